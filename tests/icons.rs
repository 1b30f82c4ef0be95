//! The tray icons must differ by shape, not by colour alone: their
//! alpha masks differ substantially at the sizes panels draw them.

use std::path::{Path, PathBuf};

const STATES: [&str; 4] = ["healthy", "degraded", "failed", "idle"];

/// Fraction of pixels whose opacity (thresholded at half) must differ between two icons.
const MIN_MASK_DIFFERENCE: f64 = 0.15;

fn icon_path(state: &str, size: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("icons").join(format!("tray-{state}-{size}.png"))
}

/// The icon's alpha channel thresholded at half opacity, row by row.
fn alpha_mask(path: &Path) -> (u32, u32, Vec<bool>) {
    let file =
        std::fs::File::open(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba, "{} is not RGBA", path.display());
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{} is not 8 bit", path.display());
    let mask = buffer[..info.buffer_size()].chunks_exact(4).map(|pixel| pixel[3] >= 128).collect();
    (info.width, info.height, mask)
}

#[test]
fn tray_icons_exist_at_every_size() {
    for state in STATES {
        for size in [16, 22, 24, 32, 64] {
            let (width, height, mask) = alpha_mask(&icon_path(state, size));
            assert_eq!((width, height), (size, size), "tray-{state}-{size}.png");
            let opaque = mask.iter().filter(|opaque| **opaque).count();
            assert!(opaque > mask.len() / 5, "tray-{state}-{size}.png is mostly transparent");
        }
    }
}

#[test]
fn tray_icon_shapes_differ_pairwise() {
    for size in [16, 22] {
        let masks: Vec<(&str, Vec<bool>)> =
            STATES.iter().map(|state| (*state, alpha_mask(&icon_path(state, size)).2)).collect();
        for (index, (first, first_mask)) in masks.iter().enumerate() {
            for (second, second_mask) in &masks[index + 1..] {
                let differing = first_mask
                    .iter()
                    .zip(second_mask)
                    .filter(|(left, right)| left != right)
                    .count();
                let fraction = differing as f64 / first_mask.len() as f64;
                assert!(
                    fraction >= MIN_MASK_DIFFERENCE,
                    "{first} and {second} at {size} px differ in only {:.0}% of pixels",
                    fraction * 100.0
                );
            }
        }
    }
}

#[test]
fn app_icon_is_rgba() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/icons/icon.png");
    let (width, height, _) = alpha_mask(&path);
    assert_eq!(width, height);
}
