//! Bearer tokens: every endpoint but health, catalogue, the document and signing in needs one,
//! and a caller only ever sees what its account owns. An expired token is told as
//! `token_expired`, a revoked one as `unauthorized`: either way the citizen signs in again. The
//! rate limit is taken here, per token.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use petition_api::ErrorCode;

use crate::AppState;
use crate::error::ApiError;
use crate::store::{TokenInfo, TokenKind, TokenState};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: String,
    /// Whose petitions, uploads and keys the caller works with.
    pub account_id: String,
    pub kind: TokenKind,
}

/// The secret of an `Authorization: Bearer …` header. The scheme's name is case-insensitive
/// (RFC 9110 §11.1: `bearer`, `BEARER` and `Bearer` are one scheme).
fn bearer_secret(value: &str) -> Option<&str> {
    let (scheme, secret) = value.trim_start().split_once([' ', '\t'])?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let secret = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_secret)
            .filter(|s| !s.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let token = state
            .store()
            .token(secret, state.clock().now().unix_timestamp())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        match token.state {
            TokenState::Live => {}
            TokenState::Expired => return Err(ApiError::token_expired()),
            TokenState::Revoked => return Err(ApiError::unauthorized()),
        }
        let TokenInfo {
            token_id,
            account_id,
            kind,
            ..
        } = token;
        if let Err(wait) = state.inner.limiter.check(state.store(), &token_id).await? {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "bureau-rate_limited",
            )
            .with_header("retry-after", wait));
        }
        Ok(Caller {
            token_id,
            account_id,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_secret;

    #[test]
    fn the_scheme_is_case_insensitive_and_the_secret_is_what_follows() {
        for header in [
            "Bearer s3cret",
            "bearer s3cret",
            "BEARER  s3cret ",
            "Bearer\ts3cret",
        ] {
            assert_eq!(bearer_secret(header), Some("s3cret"), "{header:?}");
        }
        for header in ["Basic s3cret", "Bearers3cret", "s3cret", ""] {
            assert_eq!(bearer_secret(header), None, "{header:?}");
        }
    }
}
