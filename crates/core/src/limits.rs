//! Size limits every replica agrees on. They keep a session's state bounded whatever clients send.

/// Most breakout rooms in one session.
pub const MAX_ROOMS: u32 = 1_000;
/// Most people in one session.
pub const MAX_PARTICIPANTS: usize = 20_000;
/// Longest display name or room name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest session title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest call-to-action text, in characters.
pub const MAX_CALL_CHARS: usize = 1_000;
/// Longest link, in bytes.
pub const MAX_LINK_BYTES: usize = 2_048;
/// Most documents in the library.
pub const MAX_DOCUMENTS: usize = 1_000;
/// Longest document file name, in characters.
pub const MAX_DOCUMENT_NAME_CHARS: usize = 255;
/// How many calls-to-action a session remembers (older ones drop off).
pub const MAX_KEPT_CALLS: usize = 50;
/// Longest breakout duration, in minutes (one day).
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;
/// Most groups per auto-assign rule kind, and most members per group.
pub const MAX_RULE_GROUPS: usize = 1_000;
