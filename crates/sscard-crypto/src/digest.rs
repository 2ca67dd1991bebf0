//! SM3 (GB/T 32905).

use sm3::{Digest, Sm3};

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3_parts(&[data])
}

/// SM3 of the concatenation of `parts`, without copying them together.
pub fn sm3_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sm3::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn abc() {
        assert_eq!(
            hex::encode(super::sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
