//! Left-aligned text tables as AIME prints them: every cell padded to the
//! column's widest value plus two blanks, the last one included.

pub struct Table {
    titles: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(titles: impl IntoIterator<Item = S>) -> Self {
        Table {
            titles: titles.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The title line and the rows, each ending in a newline.  Widths count
    /// characters (Python code points), not bytes.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.titles.len())
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .chain(std::iter::once(&self.titles[c]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
                    + 2
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&self.titles).chain(self.rows.iter()) {
            for (c, w) in widths.iter().enumerate() {
                let cell = row.get(c).map(String::as_str).unwrap_or("");
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_every_cell() {
        let mut t = super::Table::new(["CONTAINER", "STATUS"]);
        t.push(vec!["[pt231]".into(), "Up 2 hours".into()]);
        assert_eq!(
            t.render(),
            "CONTAINER  STATUS      \n[pt231]    Up 2 hours  \n"
        );
    }
}
