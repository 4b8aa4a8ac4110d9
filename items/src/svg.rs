//! Just enough SVG reading to check a hotspot picture: its `viewBox`.

/// The `viewBox` of the root `<svg>` element: `[min_x, min_y, width, height]`.
pub fn view_box(svg: &str) -> Option<[f64; 4]> {
    let start = svg.find("<svg")?;
    let tag_end = svg[start..].find('>')? + start;
    let tag = &svg[start..tag_end];
    let at = tag.find("viewBox")?;
    let rest = tag[at + "viewBox".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    let value = &inner[..inner.find(quote)?];
    let nums: Vec<f64> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match nums.as_slice() {
        [a, b, c, d] => Some([*a, *b, *c, *d]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::view_box;

    #[test]
    fn reads_view_box() {
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 360 640\" role=\"img\"><rect/></svg>";
        assert_eq!(view_box(svg), Some([0.0, 0.0, 360.0, 640.0]));
        assert_eq!(
            view_box("<svg viewBox='0,0, 10 20'>"),
            Some([0.0, 0.0, 10.0, 20.0])
        );
        assert_eq!(view_box("<svg width=\"10\">"), None);
        assert_eq!(view_box("<svg viewBox=\"0 0 10\">"), None);
    }
}
