//! Minimal HTTP/1 client (plain HTTP: in-cluster service calls and OTLP export).

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// A response read to the end.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Pooled HTTP/1 client with a per-request timeout.
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// A client whose requests (including reading the body) fail after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        Self {
            inner: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    /// Sends a request; errors are returned as text for logging and span status.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<Response, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("invalid request to {url}: {e}"))?;
        request.headers_mut().extend(headers);
        let call = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("{url}: {e}"))?
                .to_bytes();
            Ok(Response { status, body })
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or_else(|_| Err(format!("{url}: timed out after {:?}", self.timeout)))
    }
}
