//! OTLP/HTTP: `POST /v1/traces` on hyper, protobuf or JSON bodies, plain or gzip.
//!
//! Answers as the OTLP specification's HTTP transport says: 200 with an
//! `ExportTraceServiceResponse` (partial success when spans were rejected), 400 with a
//! `google.rpc.Status` for a body that cannot be read, 413 past `--max-request`, 415 for a
//! content type or encoding it does not take, 429 with `Retry-After` while the checker is
//! behind; the answer is encoded as the request was (protobuf or JSON).

use super::{Answer, Body, Shared};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

/// `google.rpc.Status`, the body of an error answer.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Answers one request.
pub async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    const TRANSPORT: &str = "OTLP/HTTP";
    let path = req.uri().path();
    if path != "/v1/traces" {
        shared.note_other_signal(path);
        return Ok(status(
            StatusCode::NOT_FOUND,
            Encoding::Json,
            &format!("{path}: this receiver takes traces only (POST /v1/traces)"),
        ));
    }
    if req.method() != Method::POST {
        let mut r = status(
            StatusCode::METHOD_NOT_ALLOWED,
            Encoding::Json,
            "/v1/traces takes POST",
        );
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return Ok(r);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let encoding = match mime.as_str() {
        "application/x-protobuf" | "application/protobuf" => Encoding::Protobuf,
        "application/json" => Encoding::Json,
        _ => {
            let shown = if content_type.is_empty() { "none" } else { &content_type };
            let message = format!(
                "content type {shown}: OTLP/HTTP takes application/x-protobuf or application/json"
            );
            shared.malformed(TRANSPORT, Some(peer), &message);
            return Ok(status(StatusCode::UNSUPPORTED_MEDIA_TYPE, Encoding::Json, &message));
        }
    };
    let gzip = match req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") | Some("identity") => false,
        Some("gzip") => true,
        Some(other) => {
            let message =
                format!("content encoding {other}: OTLP/HTTP bodies are plain or gzip");
            shared.malformed(TRANSPORT, Some(peer), &message);
            return Ok(status(StatusCode::UNSUPPORTED_MEDIA_TYPE, encoding, &message));
        }
    };
    let max = shared.max_request;
    let too_large = || {
        format!(
            "the request is larger than the bound of {} (--max-request)",
            crate::otlp::fmt_size(max as u64)
        )
    };
    let body = match Limited::new(req.into_body(), max).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let message = too_large();
            shared.malformed(TRANSPORT, Some(peer), &message);
            return Ok(status(StatusCode::PAYLOAD_TOO_LARGE, encoding, &message));
        }
        Err(e) => {
            // The client went away mid-body: it was never told the spans arrived, so an
            // OTLP client retries them; nothing is lost by dropping the part that came.
            shared.aborted(TRANSPORT, Some(peer), &e.to_string());
            return Ok(status(StatusCode::BAD_REQUEST, encoding, "the body ended early"));
        }
    };
    let body = if gzip {
        let mut out = Vec::new();
        let read = flate2::read::GzDecoder::new(&body[..])
            .take(max as u64 + 1)
            .read_to_end(&mut out);
        match read {
            Ok(n) if n > max => {
                let message = too_large() + " once decompressed";
                shared.malformed(TRANSPORT, Some(peer), &message);
                return Ok(status(StatusCode::PAYLOAD_TOO_LARGE, encoding, &message));
            }
            Ok(_) => Bytes::from(out),
            Err(e) => {
                let message = format!("the gzip body cannot be decompressed: {e}");
                shared.malformed(TRANSPORT, Some(peer), &message);
                return Ok(status(StatusCode::BAD_REQUEST, encoding, &message));
            }
        }
    } else {
        body
    };
    let parsed = match encoding {
        Encoding::Protobuf => Body::Protobuf(&body),
        Encoding::Json => Body::Json(&body),
    };
    Ok(match shared.export_bytes(TRANSPORT, Some(peer), parsed) {
        Answer::Accepted(response) => {
            let bytes = match encoding {
                Encoding::Protobuf => prost::Message::encode_to_vec(&response),
                // OTLP/JSON leaves out a field that is not set (serde would write null).
                Encoding::Json => match &response.partial_success {
                    None => b"{}".to_vec(),
                    Some(p) => serde_json::to_vec(&serde_json::json!({"partialSuccess": {
                        "rejectedSpans": p.rejected_spans.to_string(),
                        "errorMessage": p.error_message,
                    }}))
                    .unwrap_or_else(|_| b"{}".to_vec()),
                },
            };
            respond(StatusCode::OK, encoding, bytes)
        }
        Answer::Malformed(message) => status(StatusCode::BAD_REQUEST, encoding, &message),
        Answer::Busy(retry) => {
            let mut r = status(
                StatusCode::TOO_MANY_REQUESTS,
                encoding,
                "the receiver is checking traces more slowly than they arrive; retry later",
            );
            r.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry.as_secs().max(1)),
            );
            r
        }
    })
}

fn respond(code: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(encoding.content_type()),
    );
    r
}

/// An error answer: a `google.rpc.Status` in the request's encoding.
fn status(code: StatusCode, encoding: Encoding, message: &str) -> Response<Full<Bytes>> {
    // gRPC codes: INVALID_ARGUMENT for what the client must fix, UNAVAILABLE for "later".
    let rpc = match code {
        StatusCode::TOO_MANY_REQUESTS => 14,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => 12,
        _ => 3,
    };
    let body = match encoding {
        Encoding::Protobuf => prost::Message::encode_to_vec(&RpcStatus {
            code: rpc,
            message: message.to_string(),
        }),
        Encoding::Json => serde_json::to_vec(&serde_json::json!({"code": rpc, "message": message}))
            .unwrap_or_default(),
    };
    respond(code, encoding, body)
}
