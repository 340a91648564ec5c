//! The seeded randomness every demo value comes from. All choices, ids and hashes go
//! through one `Forge`, so a seed fixes the whole world byte for byte. Nothing here
//! reads the clock or the operating system's entropy.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) struct Forge {
    rng: ChaCha8Rng,
}

impl Forge {
    pub(crate) fn new(seed: u64) -> Self {
        Forge {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// One element of a non-empty slice (the first one for an empty slice is impossible,
    /// so callers pass literals).
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    /// An index chosen in proportion to `weights`.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.gen_range(0..total.max(1));
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len().saturating_sub(1)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// An integer in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.rng.gen_range(lo..=hi)
    }

    /// A float in `lo..hi`, rounded to `places` decimals so JSON stays short.
    pub(crate) fn real(&mut self, lo: f64, hi: f64, places: i32) -> f64 {
        let x = if hi > lo {
            self.rng.gen_range(lo..hi)
        } else {
            lo
        };
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    }

    /// A draw from an exponential distribution with the given mean.
    pub(crate) fn exp(&mut self, mean: f64) -> f64 {
        let u: f64 = self.rng.gen_range(f64::EPSILON..1.0);
        -u.ln() * mean
    }

    /// A wait drawn from an exponential distribution with the given mean, in ms.
    pub(crate) fn exp_ms(&mut self, mean_ms: f64) -> i64 {
        self.exp(mean_ms).round() as i64
    }

    /// `bytes` random bytes as lowercase hex.
    pub(crate) fn hex(&mut self, bytes: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 32];
        let n = bytes.min(buf.len());
        self.rng.fill(&mut buf[..n]);
        // By hand: `hex::encode` goes through a char iterator, a hot spot at 1M events.
        let mut out = String::with_capacity(2 * n);
        for b in &buf[..n] {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
        out
    }

    /// A SHA-256 in hex. The demo's digests stand for content it never renders, so a
    /// random value is as good as a real one and much cheaper.
    pub(crate) fn sha256(&mut self) -> String {
        self.hex(32)
    }

    /// A UUIDv7 for an event at `millis`: the time from the event, the rest seeded.
    pub(crate) fn event_id(&mut self, millis: i64) -> String {
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        let millis = u64::try_from(millis).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}
