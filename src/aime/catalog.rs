//! AIME's image catalog, `ml_images.repo`: one CSV line per image,
//! `Framework, Version, [ARCH1;ARCH2], docker/image`.
//!
//! The file belongs to the AIME installation, not to ds01: it is read from
//! `/opt/aime-ml-containers/ml_images.repo` unless `DS01_MLC_CATALOG` names
//! another file.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub framework: String,
    pub version: String,
    pub architectures: Vec<String>,
    pub image: String,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub entries: Vec<Entry>,
}

impl Catalog {
    /// Read the catalog.  A missing file or a line with fewer than four
    /// fields is an error naming the file and line (the original crashed
    /// with a traceback).
    pub fn load(path: &std::path::Path) -> Result<Catalog, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the image catalog {shown}: {e}"))?;
        Catalog::parse(&text).map_err(|e| format!("{shown}:{e}"))
    }

    pub fn parse(text: &str) -> Result<Catalog, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut entries = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| format!(" {e}"))?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let field = |i: usize| record.get(i).map(|f| f.trim().to_string());
            let (Some(framework), Some(version), Some(arch), Some(image)) =
                (field(0), field(1), field(2), field(3))
            else {
                return Err(format!(
                    "{line}: expected `framework, version, [architectures], image`"
                ));
            };
            // As the original: strip brackets, split on ';', keep blanks.
            let architectures = arch
                .trim_matches(|c| c == '[' || c == ']')
                .split(';')
                .map(str::to_string)
                .collect();
            entries.push(Entry {
                framework,
                version,
                architectures,
                image,
            });
        }
        Ok(Catalog { entries })
    }

    /// Every architecture named in the catalog, sorted.
    pub fn architectures(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .entries
            .iter()
            .flat_map(|e| e.architectures.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Framework → entries for one architecture; frameworks sorted by name,
    /// versions in file order, duplicates kept.
    pub fn frameworks(&self, arch: &str) -> BTreeMap<String, Vec<&Entry>> {
        let mut map: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
        for e in &self.entries {
            if e.architectures.iter().any(|a| a == arch) {
                map.entry(e.framework.clone()).or_default().push(e);
            }
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_original() {
        let c = Catalog::parse(
            "Pytorch, 2.8.0, [CUDA_ADA;CUDA_BLACKWELL], aimehub/p\n\nTensorflow, 1.15, [CUDA_AMPERE], aimehub/t\nMxnet, 1.0, [CUDA],x\n",
        )
        .unwrap();
        assert_eq!(c.entries.len(), 3);
        assert_eq!(c.entries[2].image, "x");
        assert_eq!(
            c.architectures(),
            ["CUDA", "CUDA_ADA", "CUDA_AMPERE", "CUDA_BLACKWELL"]
        );
        assert_eq!(c.frameworks("CUDA_ADA")["Pytorch"][0].version, "2.8.0");
        assert!(Catalog::parse("Pytorch, 2.8.0\n")
            .unwrap_err()
            .starts_with("1:"));
    }
}
