//! The application token's comparison, in time that does not depend on
//! where the given token differs from the stored one (docs/events.md,
//! "Proving an event came from the portal").

use std::hint::black_box;

/// Whether `given` is the token `stored`. Every byte of both is read
/// whatever they hold, and the differences folded together, so the time
/// taken depends on their lengths only (a token's length is no secret: the
/// portal's are 32 characters). An empty `stored` matches nothing.
pub fn same_token(given: &[u8], stored: &[u8]) -> bool {
    !stored.is_empty() && difference(given, stored, |_| {}) == 0
}

/// The fold behind [`same_token`]: 0 when the two are equal, and
/// `touched` told of every index it reads, for the test that it reads all.
pub(crate) fn difference(given: &[u8], stored: &[u8], mut touched: impl FnMut(usize)) -> usize {
    let mut folded = given.len() ^ stored.len();
    for index in 0..given.len().max(stored.len()) {
        touched(index);
        let a = given.get(index).copied().unwrap_or(0);
        let b = stored.get(index).copied().unwrap_or(0);
        // black_box: no branch out of the loop may be derived from the
        // accumulator.
        folded = black_box(folded | usize::from(a ^ b));
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_match_and_any_difference_does_not() {
        let stored = b"3c6c9248ec54af6bea1159b43ee0ab32";
        assert!(same_token(stored, stored));
        assert!(!same_token(b"", b""));
        assert!(!same_token(b"x", b""));
        assert!(!same_token(b"", stored));
        assert!(!same_token(&stored[..31], stored));
        let mut longer = stored.to_vec();
        longer.push(0);
        assert!(!same_token(&longer, stored));
        for at in 0..stored.len() {
            for bit in 0..8 {
                let mut given = *stored;
                given[at] ^= 1 << bit;
                assert!(!same_token(&given, stored), "byte {at} bit {bit}");
            }
        }
    }

    /// Structurally constant time: whichever byte differs, the fold reads
    /// every index of both, once each, in order.
    #[test]
    fn the_fold_reads_every_byte_wherever_the_difference_is() {
        let stored = b"3c6c9248ec54af6bea1159b43ee0ab32";
        let all: Vec<usize> = (0..stored.len()).collect();
        for at in 0..stored.len() {
            let mut given = *stored;
            given[at] = b'!';
            let mut read = Vec::new();
            assert_ne!(difference(&given, stored, |index| read.push(index)), 0);
            assert_eq!(read, all, "differing at {at}");
        }
        let mut read = Vec::new();
        assert_eq!(difference(stored, stored, |index| read.push(index)), 0);
        assert_eq!(read, all);
        let mut read = 0;
        difference(b"short", stored, |_| read += 1);
        assert_eq!(read, stored.len());
    }
}
