//! The hash a function's name is found by (`find_named`), shared with
//! build.rs, which lays the names out by it: a call by name hashes a few
//! bytes and compares one or two names, where a search of the sorted
//! names compared a dozen.

/// FNV-1a of `name`'s bytes, ASCII lower-cased on the way: the same for a
/// name in any case of its ASCII letters. Other letters are not folded
/// here: a name that has them is hashed lower-cased whole.
pub fn hash(name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash = (hash ^ u32::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0193);
    }
    // The high bits, folded in, spread the names over the table's low ones.
    hash ^ (hash >> 16)
}
