//! Reading a wasm module's sections, enough to drop the linker's relocation sections.

/// `module` without its "linking" and "reloc.*" custom sections. The release wasm is linked with
/// relocations for the app's splitter; the sign-in module shares that build's flags and target
/// folder, so it has them too (4/5 of its bytes), and neither wasm-bindgen nor wasm-opt removes
/// them. `None` when the bytes are not a whole wasm module.
pub fn without_relocations(module: &[u8]) -> Option<Vec<u8>> {
    let header = module.get(..8)?;
    if &header[..4] != b"\0asm" {
        return None;
    }
    let mut kept = header.to_vec();
    let mut at = 8;
    while at < module.len() {
        let start = at;
        let id = *module.get(at)?;
        let (size, body) = leb128(module, at + 1)?;
        at = body.checked_add(size)?;
        let section = module.get(start..at)?;
        if id == 0 {
            let (name_len, name_at) = leb128(module, body)?;
            let name = module.get(name_at..name_at.checked_add(name_len)?)?;
            if name == b"linking" || name.starts_with(b"reloc.") {
                continue;
            }
        }
        kept.extend_from_slice(section);
    }
    Some(kept)
}

/// An unsigned LEB128 number at `at`, and where the bytes after it start.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![u8::try_from(name.len()).expect("a short name")];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut section = vec![0, u8::try_from(body.len()).expect("a short section")];
        section.extend(body);
        section
    }

    #[test]
    fn relocations_go_and_everything_else_stays() {
        let header = b"\0asm\x01\0\0\0".to_vec();
        let types = vec![1u8, 4, 1, 0x60, 0, 0]; // one type: () -> ()
        let producers = custom("producers", b"xyz");
        let module =
            [header.clone(), types.clone(), custom("linking", b"\x02"), custom("reloc.CODE", b"abc"), producers.clone()].concat();
        assert_eq!(without_relocations(&module), Some([header, types, producers].concat()));
    }

    #[test]
    fn bytes_that_are_not_a_module_are_refused() {
        assert_eq!(without_relocations(b"not wasm"), None);
        assert_eq!(without_relocations(b"\0asm\x01\0\0\0\x01\x09"), None, "a section longer than the file");
    }

    #[test]
    fn long_numbers_are_read() {
        assert_eq!(leb128(&[0xe5, 0x8e, 0x26], 0), Some((624_485, 3)));
        assert_eq!(leb128(&[0x80], 0), None);
    }
}
