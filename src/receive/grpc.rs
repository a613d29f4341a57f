//! OTLP/gRPC: the `TraceService/Export` method on tonic, with the generated messages of
//! `opentelemetry-proto`.
//!
//! The service is routed by hand rather than through the generated server so that the
//! request arrives as bytes and is decoded here: a malformed message is then an
//! `INVALID_ARGUMENT` answer and a finding in the report, where the generated codec would
//! answer `INTERNAL` and keep no trace of it.

use super::{Answer, Shared};
use bytes::{Buf, Bytes};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf,
    Encoder,
};
use tonic::server::{NamedService, UnaryService};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The trace service.
#[derive(Clone)]
pub struct TraceGrpc {
    pub shared: Arc<Shared>,
}

impl NamedService for TraceGrpc {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

impl<B> tower_service::Service<http::Request<B>> for TraceGrpc
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != EXPORT {
            let path = req.uri().path().to_string();
            return Box::pin(async move {
                Ok(Status::unimplemented(format!(
                    "{path}: this receiver takes traces only (TraceService/Export)"
                ))
                .into_http())
            });
        }
        let shared = self.shared.clone();
        Box::pin(async move {
            let peer = req
                .extensions()
                .get::<tonic::transport::server::TcpConnectInfo>()
                .and_then(|i| i.remote_addr());
            let max = shared.max_request;
            let mut accept = EnabledCompressionEncodings::default();
            accept.enable(CompressionEncoding::Gzip);
            let mut grpc = tonic::server::Grpc::new(RawCodec)
                .apply_compression_config(accept, EnabledCompressionEncodings::default())
                .apply_max_message_size_config(Some(max), None);
            let method = Export {
                shared: shared.clone(),
                peer,
            };
            let res = grpc.unary(method, req).await;
            // tonic answers a message over the size bound with OUT_OF_RANGE, which OTLP
            // clients retry for ever: answer INVALID_ARGUMENT (not retryable) and keep it as
            // a finding.
            let code = res
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok());
            if code == Some(Code::OutOfRange as i32) {
                let message = format!(
                    "the request is larger than the bound of {} (--max-request)",
                    crate::otlp::fmt_size(max as u64)
                );
                shared.malformed("OTLP/gRPC", peer, &message);
                return Ok(Status::invalid_argument(message).into_http());
            }
            Ok(res)
        })
    }
}

struct Export {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
}

impl UnaryService<Bytes> for Export {
    type Response = ExportTraceServiceResponse;
    type Future = BoxFuture<Result<tonic::Response<ExportTraceServiceResponse>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let shared = self.shared.clone();
        let peer = self.peer;
        Box::pin(async move {
            let body = request.into_inner();
            match shared.export_bytes("OTLP/gRPC", peer, super::Body::Protobuf(&body)) {
                Answer::Accepted(response) => Ok(tonic::Response::new(response)),
                Answer::Malformed(message) => Err(Status::invalid_argument(message)),
                Answer::Busy(retry) => Err(Status::with_error_details(
                    Code::Unavailable,
                    "the receiver is checking traces more slowly than they arrive; retry later",
                    ErrorDetails::with_retry_info(Some(retry)),
                )),
            }
        })
    }
}

/// Passes the request message on as bytes and encodes the response with prost.
struct RawCodec;

impl Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Bytes;
    type Encoder = ResponseEncoder;
    type Decoder = BytesDecoder;

    fn encoder(&mut self) -> ResponseEncoder {
        ResponseEncoder
    }

    fn decoder(&mut self) -> BytesDecoder {
        BytesDecoder
    }
}

struct ResponseEncoder;

impl Encoder for ResponseEncoder {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        prost::Message::encode(&item, buf).map_err(|e| Status::internal(e.to_string()))
    }
}

struct BytesDecoder;

impl Decoder for BytesDecoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        let n = buf.remaining();
        Ok(Some(buf.copy_to_bytes(n)))
    }
}
