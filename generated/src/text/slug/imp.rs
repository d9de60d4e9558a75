//! The implementation of module `text.slug`.

/// Lowercase ASCII letters and digits. Every other run of characters becomes one '-'.
/// No leading or trailing '-'.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    // A separator is written only once the next kept character arrives, so runs collapse
    // and no '-' is left at either end.
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}
