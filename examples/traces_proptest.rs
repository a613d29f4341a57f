//! A property test over executions of a model: Φ forward generates OTLP dumps of random
//! complete runs of the checkout system (`models/phi/checkout.toml`), and the property is
//! checked on each, here the code under test being cspot's own readers and verifier; in a
//! project it is the code that consumes traces (an exporter, a pipeline, a dashboard query).
//!
//! `cargo test --example traces_proptest --features proptest`

fn main() {
    println!("run: cargo test --example traces_proptest --features proptest");
}

#[cfg(test)]
mod tests {
    use cspot::report::exit;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Every generated execution has a sound span tree and conforms to the model it was
        /// generated from.
        #[test]
        fn generated_executions_conform(
            dump in cspot::traces::otlp_dumps("models/phi/checkout.toml", 3).expect("model loads")
        ) {
            let structure = cspot::traces::check_bytes("generated.json", &dump, &Default::default());
            prop_assert_eq!(structure.exit_code(), exit::HOLDS);
            let conformance = cspot::traces::verify(
                "models/phi/checkout.toml", "generated.json", &dump, &Default::default());
            prop_assert_eq!(conformance.exit_code(), exit::HOLDS);
            // A result per trace (about its input), then the corpus checks (about none).
            let traces = conformance.results.iter().filter(|r| r.input.is_some()).count();
            prop_assert_eq!(traces, 3);
        }
    }
}
