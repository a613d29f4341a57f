//! Captured OpenTelemetry traces: readers, the span model, span forests and structural rules.
//!
//! `otlp` owns every dump format cspot reads (OTLP JSON/JSONL/protobuf, zstd, Jaeger, Zipkin),
//! the span model (fixed-size ids, interned names), the assembly of span forests and the rules
//! that check them. Its readers are the only library code that reads bytes from files; it must
//! not print or render.
