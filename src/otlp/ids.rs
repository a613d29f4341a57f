//! Reading trace and span ids from text (hex, or base64 when asked) and from raw bytes.
//!
//! OTLP/JSON writes ids as hex (either case); protobuf as raw bytes; Jaeger and Zipkin as hex,
//! with 64-bit trace ids left-padded to 128 bits. Everything else is an [`IdError`] whose message
//! says what was wrong, so the caller can report it with a position and a field path.

use std::fmt;

/// Why an id could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdError {
    /// Missing, or the empty string.
    Empty,
    /// Hex of the wrong length.
    Length { digits: usize, want: usize },
    /// Decoded to the wrong number of bytes (protobuf).
    Bytes { got: usize, want: usize },
    /// All zeros: the invalid id.
    Zero,
    /// Not hex, but decodes as base64 to the right length.
    LooksBase64,
    /// Neither hex nor base64.
    NotHex,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => f.write_str("is missing or empty"),
            IdError::Length { digits, want } => {
                write!(f, "has {digits} hex digits; it must have {want}")
            }
            IdError::Bytes { got, want } => write!(f, "has {got} bytes; it must have {want}"),
            IdError::Zero => f.write_str("is all zeros, the invalid id"),
            IdError::LooksBase64 => f.write_str(
                "looks like base64; OTLP/JSON requires hex ids (pass --accept-base64 to read it)",
            ),
            IdError::NotHex => f.write_str("is not hex"),
        }
    }
}

/// Value of each hex digit, 0xff for every other byte.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

fn nibble(c: u8) -> Option<u8> {
    let v = HEX[c as usize];
    (v != 0xff).then_some(v)
}

#[inline]
fn decode_hex<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0u8;
    for (i, o) in out.iter_mut().enumerate() {
        let (hi, lo) = (HEX[s[2 * i] as usize], HEX[s[2 * i + 1] as usize]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    // 0xff marks a non-digit; digits are below 16, so any high bit set means a bad byte.
    (bad & 0xf0 == 0).then_some(out)
}

fn b64(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Standard or URL-safe base64, padded or not.
pub fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let s = match s.iter().position(|&c| c == b'=') {
        Some(p) if s[p..].iter().all(|&c| c == b'=') && s.len().is_multiple_of(4) => &s[..p],
        Some(_) => return None,
        None => s,
    };
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= b64(c)? << (18 - 6 * i);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

/// Standard padded base64 (for bytes attribute values written back as text).
pub fn encode_base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An id of `N` bytes from text. `pad` accepts hex of half the length, left-padded with zeros
/// (Jaeger and Zipkin 64-bit trace ids).
pub fn id_from_text<const N: usize>(
    b: &[u8],
    accept_base64: bool,
    pad: bool,
) -> Result<[u8; N], IdError> {
    if b.is_empty() {
        return Err(IdError::Empty);
    }
    let id = if let Some(id) = decode_hex::<N>(b) {
        id
    } else if pad && b.len() == N && b.iter().all(|&c| nibble(c).is_some()) {
        let mut id = [0u8; N];
        let half: Option<Vec<u8>> = b
            .chunks_exact(2)
            .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
            .collect();
        id[N / 2..].copy_from_slice(&half.unwrap_or_default());
        id
    } else if b.iter().all(|&c| nibble(c).is_some()) {
        return Err(IdError::Length {
            digits: b.len(),
            want: 2 * N,
        });
    } else {
        match decode_base64(b) {
            Some(v) if v.len() == N => {
                if !accept_base64 {
                    return Err(IdError::LooksBase64);
                }
                let mut id = [0u8; N];
                id.copy_from_slice(&v);
                id
            }
            _ => return Err(IdError::NotHex),
        }
    };
    if id == [0u8; N] {
        return Err(IdError::Zero);
    }
    Ok(id)
}

/// An id of `N` bytes from protobuf bytes.
pub fn id_from_bytes<const N: usize>(b: &[u8]) -> Result<[u8; N], IdError> {
    if b.is_empty() {
        return Err(IdError::Empty);
    }
    let id: [u8; N] = b.try_into().map_err(|_| IdError::Bytes {
        got: b.len(),
        want: N,
    })?;
    if id == [0u8; N] {
        return Err(IdError::Zero);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_either_case_and_errors() {
        assert_eq!(
            id_from_text::<8>(b"00F067aa0BA902b7", false, false),
            Ok([0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        );
        assert_eq!(
            id_from_text::<8>(b"00f067", false, false),
            Err(IdError::Length {
                digits: 6,
                want: 16
            })
        );
        assert_eq!(
            id_from_text::<8>(b"0000000000000000", false, false),
            Err(IdError::Zero)
        );
        // 8 bytes in base64: 12 characters with one '='.
        let b = encode_base64(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            id_from_text::<8>(b.as_bytes(), false, false),
            Err(IdError::LooksBase64)
        );
        assert_eq!(
            id_from_text::<8>(b.as_bytes(), true, false),
            Ok([1, 2, 3, 4, 5, 6, 7, 8])
        );
        assert_eq!(
            id_from_text::<8>(b"zz!", false, false),
            Err(IdError::NotHex)
        );
        let mut padded = [0u8; 16];
        padded[15] = 1;
        assert_eq!(
            id_from_text::<16>(b"0000000000000001", false, true),
            Ok(padded)
        );
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..20u8 {
            let v: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(decode_base64(encode_base64(&v).as_bytes()), Some(v));
        }
    }
}
