//! cspot from a project's own test suite: the project's CSP specification and the traces its
//! integration tests captured are checked by `cargo test`, beside its other tests.
//!
//! `cargo test --example spec_in_test` runs the tests below; `cargo run --example
//! spec_in_test` prints every result. Only the library is needed: this example builds with
//! `--no-default-features` (no command line, no clap).

#[cfg(test)]
use cspot::report::{Verdict, exit};

fn main() {
    let report = cspot::check_file("specs/queue.csp", &cspot::Options::default());
    for r in &report.results {
        println!("{:<12} {}  {}", r.verdict.as_str(), r.id, r.title);
    }
    std::process::exit(report.exit_code());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every assertion of the specification holds. A violation fails the test with the
    /// counterexample's one-line summary.
    #[test]
    fn the_queue_specification_holds() {
        let report = cspot::check_file("specs/queue.csp", &cspot::Options::default());
        for r in &report.results {
            if let Verdict::Violated(cx) = &r.verdict {
                panic!("{} is violated: {}", r.title, cx.summary);
            }
        }
        assert_eq!(report.exit_code(), exit::HOLDS, "{report:?}");
    }

    /// A property the design must not have is found, with a counterexample a person reads:
    /// the naive dining philosophers deadlock.
    #[test]
    fn the_naive_philosophers_deadlock() {
        let options = cspot::Options {
            assert: Some(1),
            ..cspot::Options::default()
        };
        let report = cspot::check_file("specs/phils.csp", &options);
        let Verdict::Violated(cx) = &report.results[0].verdict else {
            panic!("expected a deadlock, got {:?}", report.results[0].verdict);
        };
        assert!(cx.summary.contains("deadlock"), "{}", cx.summary);
        assert!(!cx.steps.is_empty());
    }

    /// A specification written in the test itself, checked without a file.
    #[test]
    fn an_inline_specification() {
        let spec =
            "channel a, b\nP = a -> b -> P\nassert P :[deadlock free]\nassert a -> STOP [T= P\n";
        let report = cspot::check_str("inline.csp", spec, &cspot::Options::default());
        let verdicts: Vec<&str> = report.results.iter().map(|r| r.verdict.as_str()).collect();
        assert_eq!(verdicts, ["holds", "violated"]);
    }

    /// Traces the integration tests captured (here a shipped capture) have sound span trees
    /// and conform to the model.
    #[test]
    fn captured_traces_conform() {
        let path = "fixtures/phi/checkout/captured-ok-mixed.json";
        let bytes = std::fs::read(path).expect("the capture is shipped");
        let structure = cspot::traces::check_bytes(path, &bytes, &Default::default());
        assert_eq!(structure.exit_code(), exit::HOLDS, "{structure:?}");
        let conformance = cspot::traces::verify(
            "models/phi/checkout.toml",
            path,
            &bytes,
            &Default::default(),
        );
        assert_eq!(conformance.exit_code(), exit::HOLDS, "{conformance:?}");
    }

    /// The BatchSpanProcessor as specified loses no span and never hangs in a small
    /// configuration; a variant with a real SDK bug does not.
    #[test]
    fn the_batch_span_processor() {
        let config = cspot::bsp::Config {
            producers: 2,
            spans: 2,
            ..Default::default()
        };
        let spec = cspot::bsp::explore(&config, &Default::default());
        assert_eq!(spec.exit_code(), exit::HOLDS);
        let buggy = cspot::bsp::Options {
            variants: vec![cspot::bsp::Variant::CountAfterSend],
            ..Default::default()
        };
        assert_eq!(
            cspot::bsp::explore(&config, &buggy).exit_code(),
            exit::VIOLATED
        );
    }
}
