//! Φ: the mapping between span trees and CSP (model files, Φ⁻¹, conformance, synthesis).
//!
//! Owns model files and the translation between span forests (`otlp`) and CSP machines (`lts`).
//! Must not read files itself or render anything: the CLI hands it text, `report` renders.
//! Not yet built: it comes with the Φ issue, on top of `otlp`, `lts` and `check`.
