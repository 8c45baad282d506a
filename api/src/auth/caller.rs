//! Who sent a request, as every entry point (GraphQL over HTTP, the websocket, REST) sees it:
//! their identity and the credential it came from, the client's address, the language they
//! prefer. The HTTP edge works it out from the request (`http::caller`).

use chrono::FixedOffset;
use entities::enums::Locale;

use super::credentials::Credential;
use crate::identity::Identity;
use crate::reads::Viewer;

/// Who sent a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, when signed in or holding an API token.
    pub identity: Option<Identity>,
    /// The credential that identified them (a websocket connection watches it).
    pub credential: Option<Credential>,
    /// Whether the change log's position was read with the credential (see
    /// [`ContentVersion::may_share`](crate::reads::version::ContentVersion::may_share)).
    pub position_read: bool,
    /// The language they prefer (`Accept-Language`), if we publish in it.
    pub locale: Option<Locale>,
    /// The client's address, for rate limits.
    pub client: String,
}

impl Caller {
    /// What the caller may see, with the university's clock at `site_offset`.
    pub fn viewer(&self, site_offset: FixedOffset) -> Viewer {
        Viewer::new(self.identity.clone(), site_offset)
    }
}
