//! Repeatable, evenly spread numbers (SplitMix64) for the load tool's backoff jitter and its
//! incompressible test data: runs can be repeated exactly, and no random-number crate is needed.

/// 64 evenly spread bits from `x` (neighbouring inputs give unrelated outputs).
pub fn spread(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn neighbours_differ_in_about_half_their_bits() {
        let flipped: u32 = (0..1000u64)
            .map(|i| (super::spread(i) ^ super::spread(i + 1)).count_ones())
            .sum();
        assert!((28_000..36_000).contains(&flipped), "{flipped}");
    }
}
