//! Mapping a function over many items on every core, keeping their order: how the
//! whole-project stages (parsing, checking bodies, fingerprints) use a machine's cores
//! without a thread-pool dependency.

/// Below this many items one thread does the work: starting threads costs more.
const MIN_ITEMS: usize = 8;

/// `items.iter().map(f).collect()`, with the items split into one contiguous part per
/// core, each mapped on its own thread. A panic in `f` is resumed on the caller's thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads <= 1 || items.len() < MIN_ITEMS {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    warm_up_allocator();
                    part.iter().map(f).collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Prepares the allocator of a thread that is about to allocate a lot (a share of every
/// AST and model of a project). glibc grows a thread's heap one page, one `mprotect`
/// call, at a time: 29,000 system calls and half of a whole-project check's system time.
/// Freeing a block just under 32 MiB that glibc had to map on its own raises its mapping
/// and trimming thresholds; the next block then comes from the thread's heap, which
/// grows once, and stays mapped when freed, ready for the real allocations. The blocks
/// are never written, so they cost no memory; other allocators just map and unmap them.
fn warm_up_allocator() {
    for size in [31 << 20, 30 << 20] {
        let block = Vec::<u8>::with_capacity(size);
        // Without this the compiler drops the unused allocation altogether.
        drop(std::hint::black_box(block));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        for n in [0, 1, 7, 8, 9, 100, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = super::map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }
}
