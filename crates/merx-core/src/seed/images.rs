//! The demo's product pictures, drawn here rather than fetched from a third-party host, so that
//! `merx serve --demo` shows a complete store with nothing but Merx: a storefront allows one
//! image host (Merx), and the demo works offline.
//!
//! Every demo product has two images, named after its handle: `{handle}` and `{handle}-2`. Each
//! is a flat-coloured silhouette of the product's kind (a T-shirt, a mug…) on a background whose
//! colours come from a hash of the name, so a picture is the same at every start and on every
//! machine. They are PNGs (Next.js's image optimizer refuses SVG by default), palette-indexed and
//! deflated with fixed Huffman codes and run-length matches: a few kilobytes each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where the images are served, below the server's public URL.
pub const PATH: &str = "/static/demo/";

/// Width and height of every image, in pixels.
pub const SIZE: usize = 800;

/// One encoded image and its entity tag (a hash of its bytes, for conditional requests).
#[derive(Debug, Clone)]
pub struct DemoImage {
    pub png: Arc<[u8]>,
    pub etag: String,
}

/// The absolute URL of the demo image `name` on a server reached at `public_url`.
pub fn url(public_url: &str, name: &str) -> String {
    format!("{}{PATH}{name}.png", public_url.trim_end_matches('/'))
}

/// The image `name` (without `.png`), or `None` when no demo product has it. Drawn on first use
/// and remembered (98 images of a few kilobytes).
pub fn get(name: &str) -> Option<DemoImage> {
    let kind = *kinds().get(name)?;
    static DRAWN: OnceLock<Mutex<HashMap<String, DemoImage>>> = OnceLock::new();
    let drawn = DRAWN.get_or_init(Default::default);
    if let Some(image) = drawn.lock().ok()?.get(name) {
        return Some(image.clone());
    }
    let (palette, pixels) = draw(name, kind);
    let png = encode_png(SIZE, SIZE, &palette, &pixels);
    let image = DemoImage {
        etag: format!("\"{:08x}\"", crc32(&png)),
        png: png.into(),
    };
    drawn.lock().ok()?.insert(name.to_string(), image.clone());
    Some(image)
}

/// The demo image name in `url` when it is one of the demo's image URLs: Merx's own at any
/// public URL, or the third-party `picsum.photos/seed/{name}/…` URLs older demo databases hold.
pub fn name_in(url: &str) -> Option<&str> {
    let name = if let Some((_, file)) = url.rsplit_once(PATH) {
        file.strip_suffix(".png")?
    } else {
        let rest = url.split_once("://picsum.photos/seed/")?.1;
        rest.split('/').next()?
    };
    kinds().contains_key(name).then_some(name)
}

/// Every demo image name, with the silhouette it shows.
fn kinds() -> &'static HashMap<String, Kind> {
    static KINDS: OnceLock<HashMap<String, Kind>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let mut kinds = HashMap::new();
        for family in super::FAMILIES {
            let kind = Kind::of(family.noun);
            for adjective in family.adjectives {
                let handle = super::handle(adjective, family.noun);
                kinds.insert(format!("{handle}-2"), kind);
                kinds.insert(handle, kind);
            }
        }
        kinds
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Shirt,
    Hoodie,
    Bag,
    Cap,
    Mug,
    Poster,
}

impl Kind {
    fn of(noun: &str) -> Kind {
        match noun {
            "Hoodie" => Kind::Hoodie,
            "Tote Bag" => Kind::Bag,
            "Cap" => Kind::Cap,
            "Mug" => Kind::Mug,
            "Poster" => Kind::Poster,
            _ => Kind::Shirt,
        }
    }
}

// Palette entries.
const BACKGROUND: u8 = 0;
const BODY: u8 = 1;
const SHADE: u8 = 2;
const ACCENT: u8 = 3;
const LIGHT: u8 = 4;
const FLOOR: u8 = 5;

/// FNV-1a: a stable hash (std's is not stable across releases).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// An RGB colour from hue (degrees), saturation and lightness (0–1).
fn hsl(h: f64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [byte(r), byte(g), byte(b)]
}

/// A palette-indexed canvas with the few shapes the silhouettes are made of.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(fill: u8) -> Self {
        Self {
            pixels: vec![fill; SIZE * SIZE],
        }
    }

    /// Sets every pixel whose centre `inside` accepts, within the bounding box.
    fn paint(
        &mut self,
        colour: u8,
        (x0, y0, x1, y1): (f64, f64, f64, f64),
        inside: impl Fn(f64, f64) -> bool,
    ) {
        let clamp = |v: f64| (v.max(0.0) as usize).min(SIZE);
        for y in clamp(y0)..clamp(y1.ceil()) {
            for x in clamp(x0)..clamp(x1.ceil()) {
                if inside(x as f64 + 0.5, y as f64 + 0.5) {
                    self.pixels[y * SIZE + x] = colour;
                }
            }
        }
    }

    fn rect(&mut self, colour: u8, x: f64, y: f64, w: f64, h: f64) {
        self.paint(colour, (x, y, x + w, y + h), |_, _| true);
    }

    fn circle(&mut self, colour: u8, cx: f64, cy: f64, r: f64) {
        self.paint(colour, (cx - r, cy - r, cx + r, cy + r), |x, y| {
            (x - cx).powi(2) + (y - cy).powi(2) <= r * r
        });
    }

    fn ring(&mut self, colour: u8, cx: f64, cy: f64, r: f64, width: f64) {
        let inner = r - width;
        self.paint(colour, (cx - r, cy - r, cx + r, cy + r), |x, y| {
            let d = (x - cx).powi(2) + (y - cy).powi(2);
            d <= r * r && d >= inner * inner
        });
    }

    /// The upper half of a disc.
    fn dome(&mut self, colour: u8, cx: f64, cy: f64, r: f64) {
        self.paint(colour, (cx - r, cy - r, cx + r, cy), |x, y| {
            (x - cx).powi(2) + (y - cy).powi(2) <= r * r
        });
    }

    fn triangle(&mut self, colour: u8, a: (f64, f64), b: (f64, f64), c: (f64, f64)) {
        let edge = |p: (f64, f64), q: (f64, f64), x: f64, y: f64| {
            (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0)
        };
        let bounds = (
            a.0.min(b.0).min(c.0),
            a.1.min(b.1).min(c.1),
            a.0.max(b.0).max(c.0),
            a.1.max(b.1).max(c.1),
        );
        self.paint(colour, bounds, |x, y| {
            let (e1, e2, e3) = (edge(a, b, x, y), edge(b, c, x, y), edge(c, a, x, y));
            (e1 >= 0.0 && e2 >= 0.0 && e3 >= 0.0) || (e1 <= 0.0 && e2 <= 0.0 && e3 <= 0.0)
        });
    }
}

/// The palette and pixels of image `name`.
fn draw(name: &str, kind: Kind) -> (Vec<[u8; 3]>, Vec<u8>) {
    let hash = fnv(name);
    let second = name.ends_with("-2");
    let hue = (hash % 360) as f64;
    let accent_hue = hue + 150.0 + (hash >> 12) as f64 % 60.0;
    let palette = vec![
        hsl(hue + if second { 40.0 } else { 0.0 }, 0.45, 0.88),
        hsl(hue, 0.55, 0.45),
        hsl(hue, 0.55, 0.32),
        hsl(accent_hue, 0.65, 0.55),
        [250, 250, 247],
        hsl(hue, 0.25, 0.78),
    ];
    let mut c = Canvas::new(BACKGROUND);
    // The second image is a closer look: the same object, larger and lower.
    let (scale, lift) = if second { (1.25, -40.0) } else { (1.0, 0.0) };
    let at = |v: f64| 400.0 + (v - 400.0) * scale;
    let y = |v: f64| at(v) - lift;
    let s = |v: f64| v * scale;
    c.rect(FLOOR, 0.0, y(640.0), SIZE as f64, SIZE as f64);
    // A dot pattern from the hash in the background's upper corner, for variety.
    for i in 0..(3 + hash % 4) {
        c.circle(LIGHT, 90.0 + 60.0 * i as f64, 90.0, 14.0);
    }
    match kind {
        Kind::Shirt | Kind::Hoodie => {
            c.rect(BODY, at(270.0), y(250.0), s(260.0), s(390.0));
            c.triangle(
                BODY,
                (at(270.0), y(250.0)),
                (at(150.0), y(390.0)),
                (at(270.0), y(430.0)),
            );
            c.triangle(
                BODY,
                (at(530.0), y(250.0)),
                (at(650.0), y(390.0)),
                (at(530.0), y(430.0)),
            );
            if kind == Kind::Hoodie {
                c.dome(SHADE, at(400.0), y(290.0), s(95.0));
                c.rect(SHADE, at(310.0), y(520.0), s(180.0), s(70.0));
            } else {
                c.dome(BACKGROUND, at(400.0), y(252.0), s(55.0));
                if hash & 1 == 0 {
                    c.rect(ACCENT, at(270.0), y(420.0), s(260.0), s(40.0));
                } else {
                    c.circle(ACCENT, at(400.0), y(440.0), s(55.0));
                }
            }
        }
        Kind::Bag => {
            c.ring(SHADE, at(400.0), y(330.0), s(110.0), s(22.0));
            c.rect(BODY, at(250.0), y(330.0), s(300.0), s(310.0));
            c.rect(ACCENT, at(250.0), y(470.0), s(300.0), s(36.0));
        }
        Kind::Cap => {
            c.dome(BODY, at(400.0), y(520.0), s(170.0));
            c.rect(SHADE, at(400.0), y(505.0), s(260.0), s(30.0));
            c.circle(ACCENT, at(400.0), y(350.0), s(16.0));
            c.rect(FLOOR, 0.0, y(535.0), SIZE as f64, SIZE as f64);
        }
        Kind::Mug => {
            c.ring(SHADE, at(540.0), y(460.0), s(85.0), s(28.0));
            c.rect(BODY, at(280.0), y(330.0), s(240.0), s(310.0));
            c.rect(LIGHT, at(280.0), y(330.0), s(240.0), s(22.0));
            c.circle(ACCENT, at(400.0), y(480.0), s(50.0));
        }
        Kind::Poster => {
            c.rect(SHADE, at(220.0), y(140.0), s(360.0), s(500.0));
            c.rect(LIGHT, at(240.0), y(160.0), s(320.0), s(460.0));
            c.circle(ACCENT, at(470.0), y(270.0), s(50.0));
            c.triangle(
                BODY,
                (at(250.0), y(600.0)),
                (at(360.0), y(380.0)),
                (at(470.0), y(600.0)),
            );
            c.triangle(
                SHADE,
                (at(380.0), y(600.0)),
                (at(470.0), y(440.0)),
                (at(550.0), y(600.0)),
            );
        }
    }
    (palette, c.pixels)
}

/// A PNG of palette-indexed pixels (8 bits each, `width * height` of them).
pub(crate) fn encode_png(
    width: usize,
    height: usize,
    palette: &[[u8; 3]],
    pixels: &[u8],
) -> Vec<u8> {
    // Each row is filtered with "Up" (the difference from the row above): rows equal to the one
    // above become zeros, which the run-length matches shrink to a few bits.
    let mut filtered = Vec::with_capacity((width + 1) * height);
    for row in 0..height {
        filtered.push(2);
        let line = &pixels[row * width..(row + 1) * width];
        if row == 0 {
            filtered.extend_from_slice(line);
        } else {
            let above = &pixels[(row - 1) * width..row * width];
            filtered.extend(line.iter().zip(above).map(|(p, a)| p.wrapping_sub(*a)));
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(height as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]); // 8-bit palette, deflate, adaptive filters, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"PLTE", &palette.concat());
    chunk(&mut png, b"IDAT", &zlib(&filtered));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, as PNG uses it).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (n, entry) in table.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *entry = c;
        }
        table
    });
    !data.iter().fold(!0u32, |c, b| {
        table[((c ^ *b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

/// Adler-32 (RFC 1950), the zlib stream's checksum.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for block in data.chunks(5552) {
        for byte in block {
            a += *byte as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Bits packed least-significant first, as deflate writes them.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    len: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= (value as u64) << self.len;
        self.len += count;
        while self.len >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }

    /// A Huffman code, which deflate stores most-significant bit first.
    fn code(&mut self, code: u32, count: u32) {
        self.put(code.reverse_bits() >> (32 - count), count);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.len > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The fixed Huffman code of literal/length symbol `symbol` (RFC 1951, 3.2.6).
fn fixed_code(bits: &mut Bits, symbol: u32) {
    match symbol {
        0..=143 => bits.code(0x30 + symbol, 8),
        144..=255 => bits.code(0x190 + symbol - 144, 9),
        256..=279 => bits.code(symbol - 256, 7),
        _ => bits.code(0xc0 + symbol - 280, 8),
    }
}

/// Length symbols 257–284: the shortest length each stands for and its extra bits.
const LENGTHS: [(u32, u32); 28] = [
    (3, 0),
    (4, 0),
    (5, 0),
    (6, 0),
    (7, 0),
    (8, 0),
    (9, 0),
    (10, 0),
    (11, 1),
    (13, 1),
    (15, 1),
    (17, 1),
    (19, 2),
    (23, 2),
    (27, 2),
    (31, 2),
    (35, 3),
    (43, 3),
    (51, 3),
    (59, 3),
    (67, 4),
    (83, 4),
    (99, 4),
    (115, 4),
    (131, 5),
    (163, 5),
    (195, 5),
    (227, 5),
];

/// A copy of the previous byte `length` times (3–258): a match at distance 1.
fn repeat(bits: &mut Bits, length: u32) {
    if length == 258 {
        fixed_code(bits, 285);
    } else {
        let i = LENGTHS
            .iter()
            .rposition(|(base, _)| *base <= length)
            .unwrap_or(0);
        let (base, extra) = LENGTHS[i];
        fixed_code(bits, 257 + i as u32);
        bits.put(length - base, extra);
    }
    bits.code(0, 5); // distance code 0: distance 1
}

/// A zlib stream of `data`: one deflate block with fixed Huffman codes, runs of a repeated byte
/// as matches at distance 1.
pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        len: 0,
    };
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    let mut i = 0;
    while i < data.len() {
        let byte = data[i];
        fixed_code(&mut bits, byte as u32);
        let mut run = data[i + 1..].iter().take_while(|b| **b == byte).count();
        i += 1 + run;
        while run >= 3 {
            let length = run.min(258);
            // Leave a remainder of at least 3 (or none) for the next match.
            let length = if run - length > 0 && run - length < 3 {
                length - 3
            } else {
                length
            };
            repeat(&mut bits, length as u32);
            run -= length;
        }
        for _ in 0..run {
            fixed_code(&mut bits, byte as u32);
        }
    }
    fixed_code(&mut bits, 256);
    let mut out = bits.finish();
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader of what [`zlib`] writes (fixed-Huffman blocks), to check it independently.
    fn inflate(stream: &[u8]) -> Vec<u8> {
        assert_eq!(&stream[..2], &[0x78, 0x01]);
        assert_eq!(
            (stream[0] as u32 * 256 + stream[1] as u32) % 31,
            0,
            "header check bits"
        );
        let body = &stream[2..stream.len() - 4];
        let mut pos = 0usize;
        let mut bit = |n: u32| -> u32 {
            let mut v = 0;
            for k in 0..n {
                let b = (body[pos / 8] >> (pos % 8)) & 1;
                v |= (b as u32) << k;
                pos += 1;
            }
            v
        };
        assert_eq!(bit(1), 1, "final block");
        assert_eq!(bit(2), 1, "fixed codes");
        let mut out: Vec<u8> = Vec::new();
        loop {
            // Read a fixed literal/length code, most significant bit first.
            let mut code = 0u32;
            for _ in 0..7 {
                code = (code << 1) | bit(1);
            }
            let symbol = if code <= 0b0010111 {
                256 + code
            } else {
                code = (code << 1) | bit(1);
                if (0x30..=0xbf).contains(&code) {
                    code - 0x30
                } else if (0xc0..=0xc7).contains(&code) {
                    280 + code - 0xc0
                } else {
                    code = (code << 1) | bit(1);
                    144 + code - 0x190
                }
            };
            match symbol {
                0..=255 => out.push(symbol as u8),
                256 => break,
                _ => {
                    let length = if symbol == 285 {
                        258
                    } else {
                        let (base, extra) = LENGTHS[(symbol - 257) as usize];
                        base + bit(extra)
                    };
                    let mut dist = 0;
                    for _ in 0..5 {
                        dist = (dist << 1) | bit(1);
                    }
                    assert_eq!(dist, 0, "only distance 1 is written");
                    let last = *out.last().expect("a match after a literal");
                    out.extend(std::iter::repeat_n(last, length as usize));
                }
            }
        }
        let adler = u32::from_be_bytes(stream[stream.len() - 4..].try_into().unwrap());
        assert_eq!(adler, adler32(&out));
        out
    }

    #[test]
    fn checksums_match_their_reference_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(&[0xff; 100_000]), {
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 255) % 65521;
                b = (b + a) % 65521;
            }
            ((b << 16) | a) as u32
        });
    }

    #[test]
    fn runs_of_every_length_round_trip() {
        for run in 0..600 {
            let mut data = vec![7u8; run];
            data.push(9);
            data.extend(std::iter::repeat_n(0, run / 2));
            assert_eq!(inflate(&zlib(&data)), data, "run of {run}");
        }
    }

    proptest! {
        #[test]
        fn zlib_round_trips(data in proptest::collection::vec(prop_oneof![Just(0u8), Just(1u8), any::<u8>()], 0..3000)) {
            prop_assert_eq!(inflate(&zlib(&data)), data);
        }
    }

    #[test]
    fn every_demo_image_is_a_small_valid_png_and_unknown_names_have_none() {
        assert_eq!(kinds().len(), 2 * 49, "two images for each demo product");
        for name in [
            "classic-t-shirt",
            "classic-t-shirt-2",
            "cosmic-poster-2",
            "camp-mug",
        ] {
            let image = get(name).unwrap_or_else(|| panic!("{name}"));
            let png = &image.png;
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(&png[12..16], b"IHDR");
            assert_eq!(
                u32::from_be_bytes(png[16..20].try_into().unwrap()),
                SIZE as u32
            );
            assert!(png.len() < 40_000, "{name}: {} bytes", png.len());
            // Walk the chunks, checking each CRC, and decode the pixels.
            let (mut at, mut idat) = (8, Vec::new());
            let mut kinds_seen = Vec::new();
            while at < png.len() {
                let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
                let kind = &png[at + 4..at + 8];
                let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
                assert_eq!(crc, crc32(&png[at + 4..at + 8 + len]));
                if kind == b"IDAT" {
                    idat.extend_from_slice(&png[at + 8..at + 8 + len]);
                }
                kinds_seen.push(String::from_utf8_lossy(kind).to_string());
                at += 12 + len;
            }
            assert_eq!(kinds_seen, ["IHDR", "PLTE", "IDAT", "IEND"]);
            let raw = inflate(&idat);
            assert_eq!(raw.len(), (SIZE + 1) * SIZE);
            assert!(
                raw.chunks(SIZE + 1).all(|row| row[0] == 2),
                "every row filtered Up"
            );
            assert!(image.etag.starts_with('"'));
        }
        assert_ne!(
            get("classic-t-shirt").unwrap().png,
            get("classic-t-shirt-2").unwrap().png
        );
        assert_ne!(
            get("classic-t-shirt").unwrap().png,
            get("organic-t-shirt").unwrap().png
        );
        assert_eq!(
            get("classic-t-shirt").unwrap().png,
            {
                let (palette, pixels) = draw("classic-t-shirt", Kind::Shirt);
                Arc::<[u8]>::from(encode_png(SIZE, SIZE, &palette, &pixels))
            },
            "drawn the same every time"
        );
        for unknown in [
            "",
            "nope",
            "classic-t-shirt-3",
            "../seed",
            "classic-t-shirt.png",
        ] {
            assert!(get(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn demo_image_names_are_found_in_merx_and_legacy_urls() {
        assert_eq!(
            url("http://localhost:9000/", "camp-mug"),
            "http://localhost:9000/static/demo/camp-mug.png"
        );
        assert_eq!(
            name_in("http://localhost:9000/static/demo/camp-mug.png"),
            Some("camp-mug")
        );
        assert_eq!(
            name_in("https://shop.example/merx/static/demo/camp-mug-2.png"),
            Some("camp-mug-2")
        );
        assert_eq!(
            name_in("https://picsum.photos/seed/camp-mug-2/800/800"),
            Some("camp-mug-2")
        );
        assert_eq!(name_in("https://cdn.example/camp-mug.png"), None);
        assert_eq!(name_in("http://localhost:9000/static/demo/other.png"), None);
    }
}
