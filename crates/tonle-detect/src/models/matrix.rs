//! A dense, row-major table of `f32` feature values: the input of training, evaluation and batch scoring.
//! A missing value is NaN.

/// Rows of `width` features each, stored one row after another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    values: Vec<f32>,
    width: usize,
}

impl Matrix {
    /// An empty table of rows `width` features wide.
    pub fn new(width: usize) -> Matrix {
        Matrix { values: Vec::new(), width }
    }

    /// A table from its values, one row after another; `None` when their number is not a multiple of `width`
    /// (or `width` is 0 and there are values).
    pub fn from_values(values: Vec<f32>, width: usize) -> Option<Matrix> {
        let fits = if width == 0 { values.is_empty() } else { values.len().is_multiple_of(width) };
        fits.then_some(Matrix { values, width })
    }

    /// Appends a row; it must be `width` values long (longer rows are cut, shorter ones padded with NaN).
    pub fn push_row(&mut self, row: &[f32]) {
        let kept = row.len().min(self.width);
        self.values.extend_from_slice(&row[..kept]);
        self.values.extend(std::iter::repeat_n(f32::NAN, self.width - kept));
    }

    /// Features per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` (panics when out of range, like slice indexing).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// Every row, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        // chunks_exact panics on a zero chunk size; a zero-width table has no values, so any size gives none.
        self.values.chunks_exact(self.width.max(1))
    }

    /// The value at row `i`, feature `j`.
    pub fn get(&self, i: usize, j: usize) -> f32 {
        self.values[i * self.width + j]
    }

    /// The rows at these indices, in this order.
    pub fn select(&self, indices: &[usize]) -> Matrix {
        let mut out = Matrix { values: Vec::with_capacity(indices.len() * self.width), width: self.width };
        for &i in indices {
            out.values.extend_from_slice(self.row(i));
        }
        out
    }

    /// All values, one row after another.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_padded_cut_and_selected() {
        let mut m = Matrix::new(3);
        m.push_row(&[1.0, 2.0, 3.0]);
        m.push_row(&[4.0]);
        m.push_row(&[5.0, 6.0, 7.0, 8.0]);
        assert_eq!(m.len(), 3);
        assert!(m.row(1)[1].is_nan() && m.row(1)[0] == 4.0);
        assert_eq!(m.row(2), &[5.0, 6.0, 7.0]);
        let s = m.select(&[2, 0]);
        assert_eq!(s.values(), &[5.0, 6.0, 7.0, 1.0, 2.0, 3.0]);
        assert_eq!(s.get(1, 2), 3.0);
        assert_eq!(Matrix::new(0).len(), 0);
        assert!(Matrix::from_values(vec![1.0; 5], 2).is_none());
        assert_eq!(Matrix::from_values(vec![1.0; 6], 2).map(|m| m.len()), Some(3));
    }
}
