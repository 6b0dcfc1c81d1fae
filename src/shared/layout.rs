//! The state files' records: fixed little-endian layouts with no pointers
//! and no machine-sized numbers, so that a 32-bit and a 64-bit process, on
//! Linux or on Windows, read one file alike. A record begins with its
//! format, a `u32` naming the record and its layout's version; bytes that
//! begin otherwise (a file just made, all zeros) read as the empty record.
//! A new layout takes a new format and a new file name (its extension), so
//! that two versions of the library on one host never read each other's.

/// The pacing record's format: `PAC1` in the file's first four bytes.
pub(crate) const PACE_FORMAT: u32 = u32::from_le_bytes(*b"PAC1");

/// A portal's pacing record, what every process calling the portal takes
/// its turns from (32 bytes):
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 4 | `u32` format, [`PACE_FORMAT`] |
/// | 4 | 4 | reserved, zero |
/// | 8 | 8 | `i64` GCRA's theoretical arrival time, nanoseconds since the Unix epoch |
/// | 16 | 8 | `i64` the wall clock at the last turn, nanoseconds since the Unix epoch |
/// | 24 | 8 | `i64` when a process last noted `QUERY_LIMIT_EXCEEDED`, nanoseconds since the Unix epoch; 0 for never |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PaceRecord {
    pub(crate) arrival: i64,
    pub(crate) stamp: i64,
    pub(crate) limited_at: i64,
}

/// The pacing record's size in the file.
pub(crate) const PACE_BYTES: usize = 32;

impl PaceRecord {
    /// The record `bytes` hold; the empty one if they hold no pacing record.
    pub(crate) fn read(bytes: &[u8; PACE_BYTES]) -> PaceRecord {
        if get_u32(bytes, 0) != PACE_FORMAT {
            return PaceRecord::default();
        }
        PaceRecord {
            arrival: get_i64(bytes, 8),
            stamp: get_i64(bytes, 16),
            limited_at: get_i64(bytes, 24),
        }
    }

    /// Writes the record, its format first, into `bytes`.
    pub(crate) fn write(&self, bytes: &mut [u8; PACE_BYTES]) {
        put(bytes, 0, &PACE_FORMAT.to_le_bytes());
        put(bytes, 4, &0u32.to_le_bytes());
        put(bytes, 8, &self.arrival.to_le_bytes());
        put(bytes, 16, &self.stamp.to_le_bytes());
        put(bytes, 24, &self.limited_at.to_le_bytes());
    }
}

pub(crate) fn get_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut field = [0; 4];
    field.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(field)
}

pub(crate) fn get_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut field = [0; 8];
    field.copy_from_slice(&bytes[offset..offset + 8]);
    i64::from_le_bytes(field)
}

pub(crate) fn put(bytes: &mut [u8], offset: usize, field: &[u8]) {
    bytes[offset..offset + field.len()].copy_from_slice(field);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a reader that knows only the table above — a 32-bit process,
    /// another language — finds at each offset.
    #[test]
    fn the_pacing_record_is_at_its_documented_offsets_in_little_endian() {
        let record = PaceRecord {
            arrival: 1_796_202_847_123_456_789,
            stamp: -2,
            limited_at: 0x0102_0304_0506_0708,
        };
        let mut bytes = [0xAA; PACE_BYTES];
        record.write(&mut bytes);
        assert_eq!(&bytes[0..4], b"PAC1");
        assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
        assert_eq!(
            &bytes[8..16],
            &[0x15, 0xC3, 0x56, 0x07, 0xF9, 0x64, 0xED, 0x18],
            "{:x}",
            record.arrival
        );
        assert_eq!(
            &bytes[16..24],
            &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(&bytes[24..32], &[8, 7, 6, 5, 4, 3, 2, 1]);
        // Read back as 32-bit words, low word first, as a 32-bit reader
        // without 64-bit integers would.
        let word =
            |offset: usize| u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap());
        assert_eq!(
            (u64::from(word(12)) << 32 | u64::from(word(8))) as i64,
            record.arrival
        );
        assert_eq!((word(28), word(24)), (0x0102_0304, 0x0506_0708));
        assert_eq!(PaceRecord::read(&bytes), record);
    }

    #[test]
    fn bytes_of_no_pacing_record_read_as_the_empty_one() {
        assert_eq!(PaceRecord::read(&[0; PACE_BYTES]), PaceRecord::default());
        let mut other = [7; PACE_BYTES];
        other[0..4].copy_from_slice(b"PAC2");
        assert_eq!(PaceRecord::read(&other), PaceRecord::default());
    }
}
