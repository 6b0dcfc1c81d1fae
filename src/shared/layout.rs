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

/// The budget record's format: `BUD1` in the file's first four bytes.
pub(crate) const BUDGET_FORMAT: u32 = u32::from_le_bytes(*b"BUD1");
/// The processes a budget record counts calls in flight of at once.
pub(crate) const LEASES: usize = 32;
/// Where the leases begin, and each one's size.
const LEASES_AT: usize = 40;
const LEASE_BYTES: usize = 24;
/// The budget record's size in the file.
pub(crate) const BUDGET_BYTES: usize = LEASES_AT + LEASE_BYTES * LEASES;

/// What is known of one method's operating-time budget, for one portal and
/// application or webhook, and the calls of it in flight, by process
/// (808 bytes):
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 4 | `u32` format, [`BUDGET_FORMAT`] |
/// | 4 | 4 | `u32` flags: 1 a report is known, 2 its reset is the portal's, 4 stale (from before the reset, or refused since) |
/// | 8 | 8 | `f64` seconds the method spent in the window |
/// | 16 | 8 | `f64` Unix time of the window's reset |
/// | 24 | 8 | `f64` seconds the last call took the portal |
/// | 32 | 8 | reserved, zero |
/// | 40 | 24 × 32 | leases: `u64` the process's key (0 for a free lease), `u32` its calls in flight, `u32` reserved, `i64` when the lease ends, nanoseconds since the Unix epoch |
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct BudgetRecord {
    /// Whether a report is known: the fields below say something.
    pub(crate) known: bool,
    pub(crate) reset_reported: bool,
    pub(crate) stale: bool,
    pub(crate) operating: f64,
    pub(crate) reset_at: f64,
    pub(crate) processing: f64,
    pub(crate) leases: [Lease; LEASES],
}

/// One process's calls in flight, until a time: a process killed with
/// calls in flight leaves a lease that ends by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lease {
    pub(crate) owner: u64,
    pub(crate) count: u32,
    pub(crate) until: i64,
}

const KNOWN: u32 = 1;
const RESET_REPORTED: u32 = 2;
const STALE: u32 = 4;

impl BudgetRecord {
    /// The record `bytes` hold; the empty one if they hold no budget record.
    pub(crate) fn read(bytes: &[u8; BUDGET_BYTES]) -> BudgetRecord {
        if get_u32(bytes, 0) != BUDGET_FORMAT {
            return BudgetRecord::default();
        }
        let flags = get_u32(bytes, 4);
        let mut record = BudgetRecord {
            known: flags & KNOWN != 0,
            reset_reported: flags & RESET_REPORTED != 0,
            stale: flags & STALE != 0,
            operating: f64::from_bits(get_i64(bytes, 8) as u64),
            reset_at: f64::from_bits(get_i64(bytes, 16) as u64),
            processing: f64::from_bits(get_i64(bytes, 24) as u64),
            leases: [Lease::default(); LEASES],
        };
        for (index, lease) in record.leases.iter_mut().enumerate() {
            let at = LEASES_AT + index * LEASE_BYTES;
            *lease = Lease {
                owner: get_i64(bytes, at) as u64,
                count: get_u32(bytes, at + 8),
                until: get_i64(bytes, at + 16),
            };
        }
        record
    }

    /// Writes the record, its format first, into `bytes`.
    pub(crate) fn write(&self, bytes: &mut [u8; BUDGET_BYTES]) {
        let flags = [
            (self.known, KNOWN),
            (self.reset_reported, RESET_REPORTED),
            (self.stale, STALE),
        ];
        let flags = flags
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, f)| f)
            .sum::<u32>();
        put(bytes, 0, &BUDGET_FORMAT.to_le_bytes());
        put(bytes, 4, &flags.to_le_bytes());
        put(bytes, 8, &self.operating.to_le_bytes());
        put(bytes, 16, &self.reset_at.to_le_bytes());
        put(bytes, 24, &self.processing.to_le_bytes());
        put(bytes, 32, &[0; 8]);
        for (index, lease) in self.leases.iter().enumerate() {
            let at = LEASES_AT + index * LEASE_BYTES;
            put(bytes, at, &lease.owner.to_le_bytes());
            put(bytes, at + 8, &lease.count.to_le_bytes());
            put(bytes, at + 12, &0u32.to_le_bytes());
            put(bytes, at + 16, &lease.until.to_le_bytes());
        }
    }

    /// The calls in flight of every process but `owner` whose lease has
    /// not ended at `now`.
    pub(crate) fn others_in_flight(&self, owner: u64, now: i64) -> u32 {
        let live = self
            .leases
            .iter()
            .filter(|l| l.owner != owner && l.until > now);
        live.map(|lease| lease.count).fold(0, u32::saturating_add)
    }

    /// Sets `owner`'s lease to `count` calls until `until` (none for 0),
    /// in its own lease, else a free or ended one; ended leases are freed.
    /// False when every lease is another process's, live.
    pub(crate) fn lease(&mut self, owner: u64, count: u32, until: i64, now: i64) -> bool {
        for lease in &mut self.leases {
            if lease.owner != 0 && lease.owner != owner && lease.until <= now {
                *lease = Lease::default();
            }
        }
        let own = self.leases.iter().position(|l| l.owner == owner);
        let slot = own.or_else(|| self.leases.iter().position(|l| l.owner == 0));
        let Some(slot) = slot else {
            return count == 0;
        };
        self.leases[slot] = match count {
            0 => Lease::default(),
            _ => Lease {
                owner,
                count,
                until,
            },
        };
        true
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

    #[test]
    fn the_budget_record_is_at_its_documented_offsets_in_little_endian() {
        let mut record = BudgetRecord {
            known: true,
            reset_reported: false,
            stale: true,
            operating: 479.5,
            reset_at: 1_796_202_847.25,
            processing: 0.125,
            ..BudgetRecord::default()
        };
        assert!(record.lease(0x1122_3344_5566_7788, 3, 1_000, 0));
        assert!(record.lease(9, 1, 2_000, 0));
        let mut bytes = [0xAA; BUDGET_BYTES];
        record.write(&mut bytes);
        assert_eq!(BUDGET_BYTES, 808);
        assert_eq!(&bytes[0..4], b"BUD1");
        assert_eq!(&bytes[4..8], &[5, 0, 0, 0], "known and stale");
        let f64_at = |at: usize| f64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        assert_eq!(
            (f64_at(8), f64_at(16), f64_at(24)),
            (479.5, 1_796_202_847.25, 0.125)
        );
        // 479.5 as IEEE 754 double, little-endian.
        assert_eq!(&bytes[8..16], &[0, 0, 0, 0, 0, 0xF8, 0x7D, 0x40]);
        assert_eq!(&bytes[32..40], &[0; 8]);
        // The first lease at 40: owner, count, reserved, until.
        assert_eq!(
            &bytes[40..48],
            &[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
        );
        assert_eq!(&bytes[48..56], &[3, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&bytes[56..64], &[0xE8, 0x03, 0, 0, 0, 0, 0, 0]);
        // The second at 64; the rest free.
        assert_eq!(bytes[64], 9);
        assert_eq!(bytes[72], 1);
        assert!(bytes[88..].iter().all(|b| *b == 0));
        assert_eq!(BudgetRecord::read(&bytes), record);
    }

    #[test]
    fn leases_count_other_processes_calls_until_they_end() {
        let mut record = BudgetRecord::default();
        assert!(record.lease(1, 2, 100, 0));
        assert!(record.lease(2, 5, 200, 0));
        assert_eq!(record.others_in_flight(1, 50), 5);
        assert_eq!(record.others_in_flight(3, 50), 7);
        // Process 2's lease ends at 200: a process killed with calls in
        // flight is not counted past it.
        assert_eq!(record.others_in_flight(1, 200), 0);
        // A process's lease is its own slot, set again; 0 frees it.
        assert!(record.lease(1, 1, 150, 60));
        assert_eq!(record.others_in_flight(2, 60), 1);
        assert!(record.lease(1, 0, 0, 60));
        assert_eq!(record.others_in_flight(2, 60), 0);
        // Every lease held, live, by others: none to be had until one ends,
        // which frees it.
        let mut full = BudgetRecord::default();
        for owner in 1..=LEASES as u64 {
            assert!(full.lease(owner, 1, 100, 0));
        }
        assert!(!full.lease(99, 1, 100, 0));
        assert!(full.lease(99, 1, 300, 100));
        assert_eq!(full.others_in_flight(0, 100), 1);
    }
}
