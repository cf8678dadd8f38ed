//! Stacking frames and putting them in time order.
//!
//! The frames are the batches' chunks (or two timelines), and sorting moves rows between them.
//! Only fixed-size values move: strings keep their bytes where the batches wrote them, and the
//! 16-byte views that point at them are what is reordered. Output columns are cut in chunks of
//! [`CHUNK_ROWS`]. Once every row of an input chunk has been read, the memory of its views becomes
//! the next output chunk: writing fresh pages is the dearest part of a load.

use polars::prelude::*;
use polars_arrow::array::{PrimitiveArray, Utf8ViewArray, View};
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;
use rayon::prelude::*;

use super::batch::CHUNK_ROWS;

/// Frames of the same columns (in file order, each in ordinal order) as one frame in time order.
pub(super) fn stacked_in_time_order(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    sorted_by_time(stacked(frames)?)
}

/// Frames one under the other, column by column. A column with one value in every frame stays
/// one scalar column (polars' own stacking would expand it); the others keep each frame's chunks.
fn stacked(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let height = frames.iter().map(DataFrame::height).sum();
    let mut parts: Vec<Vec<Column>> = Vec::new();
    for frame in frames {
        for (index, column) in frame.into_columns().into_iter().enumerate() {
            match parts.get_mut(index) {
                Some(part) => part.push(column),
                None => parts.push(vec![column]),
            }
        }
    }
    let columns = parts
        .into_par_iter()
        .map(stacked_column)
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(height, columns)
}

fn stacked_column(parts: Vec<Column>) -> PolarsResult<Column> {
    let rows = parts.iter().map(Column::len).sum();
    let mut filled = parts.iter().filter(|part| !part.is_empty());
    if let Some(Column::Scalar(first)) = filled.next()
        && filled.all(|part| matches!(part, Column::Scalar(s) if s.scalar() == first.scalar()))
    {
        return Ok(Column::Scalar(first.resize(rows)));
    }
    let mut parts = parts.into_iter();
    let Some(mut stacked) = parts.next() else {
        polars_bail!(NoData: "no frames to stack");
    };
    for part in parts {
        stacked.append_owned(part)?;
    }
    Ok(stacked)
}

/// Frames are stacked in file order and each is in ordinal order, so a stable sort by time alone
/// orders by (time, file, ordinal). Reordering column by column (one per worker) keeps the peak at
/// the data plus a few chunks, not two copies of everything. Frames already in time order are
/// kept as they are.
fn sorted_by_time(frame: DataFrame) -> PolarsResult<DataFrame> {
    let order = frame
        .column(super::Col::Time.name())?
        .i64()?
        .arg_sort(SortOptions {
            maintain_order: true,
            ..SortOptions::default()
        });
    let in_order = order
        .downcast_iter()
        .flat_map(|array| array.values().iter())
        .enumerate()
        .all(|(row, &index)| row == index as usize);
    let height = frame.height();
    let columns = frame.into_columns();
    // All columns were stacked from the same frames, so one placement serves every column.
    let placements = match columns.iter().find(|c| matches!(c, Column::Series(_))) {
        Some(Column::Series(first)) if !in_order => Placements::new(&order, first)?,
        _ => return DataFrame::new(height, columns),
    };
    let columns = columns
        .into_par_iter()
        .map(|column| match column {
            Column::Series(series) => reordered(series.take(), &placements, &order),
            // A scalar column reads the same in any order.
            scalar => Ok(scalar),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(height, columns)
}

/// A series in the order `placements` gives, in chunks of [`CHUNK_ROWS`]. A series of another
/// type, or chunked unlike the one the placements were made from, is taken in `order` by polars.
fn reordered(series: Series, placements: &Placements, order: &IdxCa) -> PolarsResult<Column> {
    if series
        .chunk_lengths()
        .eq(placements.chunk_lengths.iter().copied())
    {
        match series.dtype() {
            DataType::String => {
                let values = series.str()?.clone();
                // The series' own handle goes, so the views of every chunk are ours to reuse.
                drop(series);
                return Ok(gather_strings(values, placements).into_column());
            }
            DataType::Int64 => return Ok(gather_numbers(series.i64()?, placements).into_column()),
            DataType::UInt64 => return Ok(gather_numbers(series.u64()?, placements).into_column()),
            DataType::UInt32 => return Ok(gather_numbers(series.u32()?, placements).into_column()),
            DataType::Float32 => return Ok(gather_numbers(series.f32()?, placements).into_column()),
            _ => {}
        }
    }
    Ok(series.rechunk().take(order)?.into_column())
}

/// Where each row of the new order is in the stacked chunks, and when each chunk is spent.
struct Placements {
    /// Per row of the new order: its input chunk, and its row in that chunk.
    rows: Vec<(u32, u32)>,
    chunk_lengths: Vec<usize>,
    /// Per output chunk: the input chunks whose last row it reads.
    spent_after: Vec<Vec<u32>>,
}

impl Placements {
    fn new(order: &IdxCa, stacked: &Series) -> PolarsResult<Placements> {
        let chunk_lengths: Vec<usize> = stacked.chunk_lengths().collect();
        let mut first_rows = Vec::with_capacity(chunk_lengths.len());
        let mut total = 0;
        for length in &chunk_lengths {
            first_rows.push(total);
            total += length;
        }
        let order = order.rechunk();
        let indexes = order.cont_slice()?;
        // Finding each row's chunk is a search per row: worth both cores on a large load.
        let rows: Option<Vec<(u32, u32)>> = indexes
            .par_iter()
            .map(|&index| {
                let index = index as usize;
                let chunk = first_rows
                    .partition_point(|&first| first <= index)
                    .checked_sub(1)?;
                (index < total).then(|| (chunk as u32, (index - first_rows[chunk]) as u32))
            })
            .collect();
        let Some(rows) = rows else {
            polars_bail!(OutOfBounds: "a row beyond the {total} of the column");
        };
        let mut last_read = vec![None; chunk_lengths.len()];
        for (position, &(chunk, _)) in rows.iter().enumerate() {
            last_read[chunk as usize] = Some(position);
        }
        let mut spent_after = vec![Vec::new(); rows.len().div_ceil(CHUNK_ROWS)];
        for (chunk, last) in last_read.into_iter().enumerate() {
            if let Some(last) = last {
                spent_after[last / CHUNK_ROWS].push(chunk as u32);
            }
        }
        Ok(Placements {
            rows,
            chunk_lengths,
            spent_after,
        })
    }

    /// The rows of each output chunk, with the input chunks spent once it is written.
    fn output_chunks(&self) -> impl Iterator<Item = (&[(u32, u32)], &[u32])> {
        self.rows
            .chunks(CHUNK_ROWS)
            .zip(self.spent_after.iter().map(Vec::as_slice))
    }
}

/// The validity of gathered rows, or none when no input chunk has a null.
fn gathered_validity(rows: &[(u32, u32)], validities: &[Option<&Bitmap>]) -> Option<Bitmap> {
    if validities.iter().flatten().all(|v| v.unset_bits() == 0) {
        return None;
    }
    let mut validity = MutableBitmap::with_capacity(rows.len());
    for &(chunk, row) in rows {
        let valid = validities[chunk as usize].is_none_or(|v| v.get_bit(row as usize));
        validity.push(valid);
    }
    Some(validity.into())
}

/// A string column in a new order. Every output chunk shares the string buffers of every input
/// chunk, and reuses the views of input chunks already spent. (Polars' own gather over several
/// string-view chunks copies every string.)
fn gather_strings(values: StringChunked, placements: &Placements) -> StringChunked {
    let name = values.name().clone();
    let mut views = Vec::new();
    let mut validities = Vec::new();
    // Where each input chunk's buffers start in the combined list.
    let mut first_buffers = Vec::new();
    let mut buffers = Vec::new();
    for array in values.downcast_into_iter() {
        let (chunk_views, chunk_buffers, validity, _, _) = array.into_inner();
        first_buffers.push(buffers.len() as u32);
        buffers.extend(chunk_buffers.iter().cloned());
        views.push(chunk_views);
        validities.push(validity);
    }
    let buffers: Buffer<Buffer<u8>> = buffers.into();
    let total_buffer_len = buffers.iter().map(|buffer| buffer.len()).sum();
    let validities: Vec<Option<&Bitmap>> = validities.iter().map(Option::as_ref).collect();
    let mut spare: Vec<(Vec<View>, usize)> = Vec::new();
    let mut chunks = Vec::with_capacity(placements.spent_after.len());
    for (rows, spent) in placements.output_chunks() {
        let validity = gathered_validity(rows, &validities);
        // The most written memory first: pages never written cost as much as new ones.
        let most_written = (0..spare.len()).max_by_key(|&i| spare[i].1);
        let mut gathered = match most_written {
            Some(i) => spare.swap_remove(i).0,
            None => Vec::with_capacity(rows.len()),
        };
        let mut total_bytes_len = 0;
        gathered.extend(rows.iter().map(|&(chunk, row)| {
            let chunk = chunk as usize;
            let mut view = views[chunk][row as usize];
            total_bytes_len += view.length as usize;
            if view.length > View::MAX_INLINE_SIZE {
                view.buffer_idx += first_buffers[chunk];
            }
            view
        }));
        for &chunk in spent {
            let spent_views = std::mem::take(&mut views[chunk as usize]);
            let written = spent_views.len();
            if let Some(mut reusable) = spent_views.into_mut().right() {
                reusable.clear();
                spare.push((reusable, written));
            }
        }
        // SAFETY: every view is an input view, valid UTF-8 in its own chunk's buffers, and its
        // buffer index now points at the same buffer in the combined list; inline views carry
        // no index.
        chunks.push(unsafe {
            Utf8ViewArray::new_unchecked(
                ArrowDataType::Utf8View,
                gathered.into(),
                buffers.clone(),
                validity,
                // Known here; polars would otherwise sum it over every view when first asked.
                Some(total_bytes_len),
                total_buffer_len,
            )
        });
    }
    StringChunked::from_chunk_iter(name, chunks)
}

/// A numeric column in a new order.
fn gather_numbers<T: PolarsNumericType>(
    values: &ChunkedArray<T>,
    placements: &Placements,
) -> ChunkedArray<T> {
    let arrays: Vec<&PrimitiveArray<T::Native>> = values.downcast_iter().collect();
    let validities: Vec<Option<&Bitmap>> = arrays.iter().map(|a| a.validity()).collect();
    let chunks = placements.output_chunks().map(|(rows, _)| {
        let gathered: Vec<T::Native> = rows
            .iter()
            .map(|&(chunk, row)| arrays[chunk as usize].values()[row as usize])
            .collect();
        PrimitiveArray::from_vec(gathered).with_validity(gathered_validity(rows, &validities))
    });
    ChunkedArray::from_chunk_iter(values.name().clone(), chunks)
}
