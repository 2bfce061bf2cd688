//! Sizes formatted as the docker CLI formats them (go-units), because the
//! originals printed the CLI's strings.

const DECIMAL: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/// Go's `%.Ng`: N significant digits, trailing zeros removed, exponent
/// form when the exponent is < -4 or >= N.
fn go_g(value: f64, precision: usize) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let sci = format!("{:.*e}", precision.saturating_sub(1), value);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if exp < -4 || exp >= precision as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa.to_string()), exp.abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim(format!("{value:.decimals$}"))
    }
}

fn human(size: f64, base: f64, units: &[&str; 9], precision: usize) -> String {
    let mut size = size;
    let mut i = 0;
    while size >= base && i < units.len() - 1 {
        size /= base;
        i += 1;
    }
    format!("{}{}", go_g(size, precision), units[i])
}

/// `units.HumanSizeWithPrecision(size, 3)`: `1.98MB`.
pub fn decimal_size(bytes: f64) -> String {
    human(bytes, 1000.0, &DECIMAL, 3)
}

/// `units.HumanSize(size)` (4 significant digits): `7.68kB`, as `docker
/// build` prints the size of the build context.
pub fn human_size(bytes: f64) -> String {
    human(bytes, 1000.0, &DECIMAL, 4)
}

/// `units.BytesSize(size)`: `12.5MiB`.
pub fn binary_size(bytes: f64) -> String {
    human(bytes, 1024.0, &BINARY, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_go_units() {
        assert_eq!(decimal_size(0.0), "0B");
        assert_eq!(decimal_size(1_980_000.0), "1.98MB");
        assert_eq!(decimal_size(9_500_000_000.0), "9.5GB");
        assert_eq!(decimal_size(999_900.0), "1e+03kB");
        assert_eq!(human_size(7680.0), "7.68kB");
        assert_eq!(human_size(12_345.0), "12.35kB");
        assert_eq!(human_size(512.0), "512B");
        assert_eq!(human_size(0.0), "0B");
        assert_eq!(human_size(2_000_000.0), "2MB");
        assert_eq!(binary_size(372.0 * 1024.0), "372KiB");
        assert_eq!(binary_size(23.59 * 1024.0 * 1024.0 * 1024.0), "23.59GiB");
        assert_eq!(binary_size(12.5 * 1024.0 * 1024.0), "12.5MiB");
    }
}
