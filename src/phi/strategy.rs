//! proptest strategies over Φ forward (feature `proptest`): random complete runs of a model
//! as OTLP spans, for property tests of code that consumes traces.

use super::Model;
use super::synth::{SynthOptions, synthesise};
use crate::otlp::write::SpanOut;
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Dumps of `count` random complete runs of `model` each; shrinks towards seed 0. Panics in
/// generation only when the model has no terminating run within the default bounds (then no
/// strategy over it makes sense).
pub fn dumps(model: Rc<RefCell<Model>>, count: usize) -> impl Strategy<Value = Vec<SpanOut>> {
    any::<u64>().prop_map(move |seed| {
        let mut m = model.borrow_mut();
        let mut v = m.verifier();
        synthesise(&mut v, seed, count, &SynthOptions::default())
            .unwrap_or_else(|e| panic!("the model cannot be synthesised: {e}"))
    })
}
