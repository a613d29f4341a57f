//! JUnit XML rendering: one test suite per report, one test case per result.

use super::{RenderOptions, Report, Verdict};
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let mut suite = TestSuite::new(format!("cspot {}", report.command));
    for r in &report.results {
        let status = match &r.verdict {
            Verdict::Holds => TestCaseStatus::success(),
            Verdict::Violated(_) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message("violated");
                s.set_description(super::human::render(
                    &Report {
                        command: report.command.clone(),
                        inputs: Vec::new(),
                        results: vec![r.clone()],
                    },
                    RenderOptions {
                        timings: false,
                        color: false,
                    },
                ));
                s
            }
            Verdict::Error(e) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(e.message.clone());
                s
            }
            Verdict::Inconclusive(why) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("inconclusive: {why}"));
                s
            }
        };
        let mut case = TestCase::new(format!("{} {}", r.id, r.title), status);
        case.set_classname(r.kind.as_str());
        if opts.timings {
            case.set_time(Duration::from_secs_f64(r.stats.seconds.max(0.0)));
        }
        suite.add_test_case(case);
    }
    let mut jr = JReport::new("cspot");
    jr.add_test_suite(suite);
    jr.to_string().unwrap_or_default()
}
