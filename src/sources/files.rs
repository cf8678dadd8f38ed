//! Finding input files and reading them into memory, gzip or not (told by magic bytes).
//!
//! Decompression is capped: a gzip bomb is reported, not inflated. A truncated or corrupt gzip
//! stream keeps what decompressed before the damage, so the records in it still load.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// 2 GiB: far above any real CloudTrail or Config file, well below what would hurt the machine.
pub const DEFAULT_MAX_INFLATED: u64 = 2 << 30;

#[derive(Debug, Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("gzip inflates beyond the {} MiB cap (a gzip bomb?); not loaded", .cap >> 20)]
    InflationCap { cap: u64 },
    #[error("corrupt gzip, nothing could be decompressed: {0}")]
    CorruptGzip(String),
}

/// A file's content, decompressed, with a note when only part of it could be read.
pub struct FileBytes {
    pub bytes: Vec<u8>,
    pub damage: Option<String>,
}

/// Every file under the given paths (directories are walked recursively), in a stable order.
/// Paths that do not exist or cannot be listed are returned as errors beside the files found.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, std::io::Error)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        walk(path, &mut files, &mut errors);
    }
    (files, errors)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<(PathBuf, std::io::Error)>) {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return errors.push((path.to_path_buf(), error)),
    };
    if !metadata.is_dir() {
        return files.push(path.to_path_buf());
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => return errors.push((path.to_path_buf(), error)),
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        walk(&child, files, errors);
    }
}

pub fn read(path: &Path, max_inflated: u64) -> Result<FileBytes, ReadError> {
    let mut raw = buffers::take();
    std::fs::File::open(path)?.read_to_end(&mut raw)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let inflated = gunzip(&raw, max_inflated);
        buffers::give_back(raw);
        inflated
    } else {
        Ok(FileBytes {
            bytes: raw,
            damage: None,
        })
    }
}

/// Hands a file's bytes back for the next read on this thread.
pub fn recycle(content: FileBytes) {
    buffers::give_back(content.bytes);
}

/// Per-thread spare buffers: loading thousands of files would otherwise fault in fresh pages
/// for every one of them.
mod buffers {
    use std::cell::RefCell;

    const KEEP: usize = 2;
    const LARGEST_KEPT: usize = 64 << 20;

    thread_local! {
        static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    pub fn take() -> Vec<u8> {
        SPARE.with_borrow_mut(Vec::pop).unwrap_or_default()
    }

    pub fn give_back(mut buffer: Vec<u8>) {
        if buffer.capacity() > LARGEST_KEPT {
            return;
        }
        buffer.clear();
        SPARE.with_borrow_mut(|spare| {
            if spare.len() < KEEP {
                spare.push(buffer);
            }
        });
    }
}

/// Single-member gzip (what AWS writes) goes through libdeflate in one call, sized by the
/// trailer; anything else (several members, a lying trailer, damage) streams with the cap.
pub fn gunzip(compressed: &[u8], max_inflated: u64) -> Result<FileBytes, ReadError> {
    if let Some(bytes) = libdeflate::gunzip_single_member(compressed, max_inflated) {
        return Ok(FileBytes {
            bytes,
            damage: None,
        });
    }
    let mut bytes = Vec::new();
    let result = flate2::read::MultiGzDecoder::new(compressed)
        .take(max_inflated + 1)
        .read_to_end(&mut bytes);
    if bytes.len() as u64 > max_inflated {
        return Err(ReadError::InflationCap { cap: max_inflated });
    }
    match result {
        Ok(_) => Ok(FileBytes {
            bytes,
            damage: None,
        }),
        Err(error) if bytes.is_empty() => Err(ReadError::CorruptGzip(error.to_string())),
        Err(error) => Ok(FileBytes {
            damage: Some(format!(
                "gzip stream truncated or corrupt after {} decompressed bytes ({error})",
                bytes.len()
            )),
            bytes,
        }),
    }
}

mod libdeflate {
    use std::cell::RefCell;
    use std::ptr::NonNull;

    use libdeflate_sys::{
        libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
        libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_SUCCESS,
    };

    struct Decompressor(NonNull<libdeflate_decompressor>);

    impl Drop for Decompressor {
        fn drop(&mut self) {
            // SAFETY: the pointer came from libdeflate_alloc_decompressor and is freed once.
            unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
        }
    }

    thread_local! {
        static DECOMPRESSOR: RefCell<Option<Decompressor>> = RefCell::new(
            // SAFETY: allocation has no preconditions; null (out of memory) is handled.
            NonNull::new(unsafe { libdeflate_alloc_decompressor() }).map(Decompressor),
        );
    }

    /// Decompresses a gzip file that is exactly one member whose trailer size is within the cap.
    /// `None` means "use the streaming path", never "the data is bad".
    pub fn gunzip_single_member(compressed: &[u8], max_inflated: u64) -> Option<Vec<u8>> {
        let trailer = compressed.get(compressed.len().checked_sub(4)?..)?;
        let expected = u32::from_le_bytes(trailer.try_into().ok()?) as usize;
        if expected as u64 > max_inflated {
            return None;
        }
        let mut out = super::buffers::take();
        out.reserve(expected);
        let whole = DECOMPRESSOR.with_borrow_mut(|decompressor| {
            let decompressor = decompressor.as_mut()?;
            let mut consumed = 0usize;
            let mut written = 0usize;
            // SAFETY: the input is valid for its length and the output for `expected` bytes of
            // spare capacity; libdeflate writes at most that and reports how much it wrote.
            let result = unsafe {
                libdeflate_gzip_decompress_ex(
                    decompressor.0.as_ptr(),
                    compressed.as_ptr().cast(),
                    compressed.len(),
                    out.spare_capacity_mut().as_mut_ptr().cast(),
                    expected,
                    &mut consumed,
                    &mut written,
                )
            };
            let whole = result == libdeflate_result_LIBDEFLATE_SUCCESS
                && consumed == compressed.len()
                && written == expected;
            Some(whole)
        });
        if whole != Some(true) {
            super::buffers::give_back(out);
            return None;
        }
        // SAFETY: libdeflate initialised exactly `expected` bytes.
        unsafe { out.set_len(expected) };
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn single_and_multi_member_gzip_decompress_whole() {
        let one = gzip(b"hello ");
        assert_eq!(gunzip(&one, 1 << 20).unwrap().bytes, b"hello ");
        let mut two = one.clone();
        two.extend(gzip(b"world"));
        assert_eq!(gunzip(&two, 1 << 20).unwrap().bytes, b"hello world");
    }

    #[test]
    fn truncated_gzip_keeps_the_decompressed_prefix() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        let compressed = gzip(&data);
        let cut = &compressed[..compressed.len() / 2];
        let read = gunzip(cut, 1 << 30).unwrap();
        assert!(read.damage.unwrap().contains("truncated or corrupt"));
        assert!(!read.bytes.is_empty() && data.starts_with(&read.bytes));
    }

    #[test]
    fn inflation_beyond_the_cap_is_refused() {
        let bomb = gzip(&vec![0u8; 4 << 20]);
        assert!(matches!(
            gunzip(&bomb, 1 << 20),
            Err(ReadError::InflationCap { .. })
        ));
        // A trailer that lies about the size does not get past the cap either.
        let mut lying = bomb.clone();
        let len = lying.len();
        lying[len - 4..].copy_from_slice(&16u32.to_le_bytes());
        assert!(matches!(
            gunzip(&lying, 1 << 20),
            Err(ReadError::InflationCap { .. })
        ));
    }

    #[test]
    fn garbage_after_the_magic_is_a_corrupt_gzip() {
        assert!(matches!(
            gunzip(&[0x1f, 0x8b, 1, 2, 3], 1 << 20),
            Err(ReadError::CorruptGzip(_))
        ));
    }
}
