//! The native model of the OpenTelemetry BatchSpanProcessor, its bug variants and properties.
//!
//! `bsp` owns the actors (producers, queue, worker, exporter, ForceFlush and Shutdown callers),
//! the packed state, the variants that reproduce real SDK bugs and the properties P1–P5. It
//! explores through the shared `explore` engine and must not do IO or print.
