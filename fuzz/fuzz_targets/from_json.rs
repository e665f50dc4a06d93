//! BlockList.fromJSON on arbitrary rule strings (one per line): no panic,
//! an error is Node-coded, and what was imported prints and re-imports.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokionet::BlockList;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let items: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut bl = BlockList::new();
    if let Err(e) = bl.from_json(&items) {
        assert!(e.code().starts_with("ERR_"), "{}", e.code());
    }
    assert!(bl.len() <= items.len());
    let mut copy = BlockList::new();
    let _ = copy.from_json(&bl.rules());
});
