//! DS01's username sanitizer (`scripts/lib/username_utils.py`), the one
//! every DS01 command uses for slice names, container user names and labels.
//!
//! `h.baker@hertie-school.lan` → `h_baker`: drop the `@domain`, turn `.`
//! and every character outside `[A-Za-z0-9_:]` into `_`, collapse runs of
//! `_`, trim `_` at both ends, and cut names longer than 32 characters to
//! 27 characters (trailing `_` removed) + `_` + the first four hex digits of
//! the MD5 of the *original* name.  The original's bash copy used `-` before
//! the hash; ds01 has only this one implementation (see docs/deviations.md).

/// The sanitized form of `username` (empty stays empty).
pub fn sanitize(username: &str) -> String {
    if username.is_empty() {
        return String::new();
    }
    let local = username.split('@').next().unwrap_or("");
    let mut out = String::with_capacity(local.len());
    for c in local.chars() {
        let keep = c.is_ascii_alphanumeric() || c == '_' || c == ':';
        let c = if keep { c } else { '_' };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_matches('_');
    if trimmed.len() <= 32 {
        return trimmed.to_string();
    }
    // All ASCII by now, so byte slicing is character slicing.
    let head = trimmed[..27].trim_end_matches('_');
    let digest = md5(username.as_bytes());
    format!("{head}_{:02x}{:02x}", digest[0], digest[1])
}

/// MD5 (RFC 1321); only used for the four-digit suffix above.
fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let (mut a0, mut b0, mut c0, mut d0) =
        (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    for chunk in msg.chunks_exact(64) {
        let mut m = [0u32; 16];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            m[i] = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        }
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in [a0, b0, c0, d0].iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 16]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn md5_known_vectors() {
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(hex(md5(&[b'a'; 64])), "014842d480b571495a4a0363793f7367");
    }

    #[test]
    fn sanitizes_like_username_utils() {
        for (name, want) in [
            ("alice", "alice"),
            ("john.doe", "john_doe"),
            ("h.baker@hertie-school.lan", "h_baker"),
            ("user@domain.org", "user"),
            ("test.user@sub.domain.edu", "test_user"),
            ("--help", "help"),
            ("a..b", "a_b"),
            ("_x_", "x"),
            ("a:b-c", "a:b_c"),
            ("élan", "lan"),
            ("@foo", ""),
            ("", ""),
        ] {
            assert_eq!(sanitize(name), want, "{name}");
        }
    }

    #[test]
    fn long_names_get_a_hash_suffix() {
        // python3 -c 'import hashlib; print(hashlib.md5(b"a.very.long.username.that.goes.on.and.on").hexdigest()[:4])'
        let name = "a.very.long.username.that.goes.on.and.on";
        let s = sanitize(name);
        assert_eq!(s, "a_very_long_username_that_g_a8a0");
        // A cut that ends in `_` loses it before the suffix.
        assert_eq!(
            sanitize("abcdefghijklmnopqrstuvwxyz_abcdefghij"),
            "abcdefghijklmnopqrstuvwxyz_7dc2"
        );
    }
}
