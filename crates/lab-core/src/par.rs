//! Order-preserving parallel map over a slice with scoped std threads: rendering is CPU work
//! on independent items, and the results are put back in input order, so the output (and the
//! first error reported) is the same as a sequential run's.

/// Below this many items a single thread is faster than starting more.
const MIN_PER_THREAD: usize = 32;

/// `f` over `items` on up to `available_parallelism` threads, results in input order; the
/// error of the earliest failing item, as a sequential loop would return it.
pub fn map<T, R, E, F>(items: &[T], f: F) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync,
{
    map_on(items, cores(), MIN_PER_THREAD, f)
}

/// The threads that can run at once. With `map_on(items, cores(), 1, f)`, few items that are
/// each a lot of work (an experiment's whole tree) are still spread over every core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// [`map`] on up to `threads` threads, each given at least `min_per_thread` items. Waiting
/// work (an `fsync`) wants more threads than there are cores: the waits overlap.
pub fn map_on<T, R, E, F>(
    items: &[T],
    threads: usize,
    min_per_thread: usize,
    f: F,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync,
{
    let threads = threads.min(items.len() / min_per_thread.max(1)).max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<R>, E>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            // A panic in `f` is a bug; it surfaces here as it would in a sequential loop.
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))?,
            );
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_input_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = super::map(&items, |i| Ok::<_, String>(i * 2)).unwrap();
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        // Items 300 and 900 fail, in different chunks whatever the thread count: 300 is reported.
        let err = super::map(&items, |i| {
            if *i == 300 || *i == 900 {
                Err(format!("item {i}"))
            } else {
                Ok(*i)
            }
        })
        .unwrap_err();
        assert_eq!(err, "item 300");
        assert!(
            super::map(&[] as &[u32], |i| Ok::<_, ()>(*i))
                .unwrap()
                .is_empty()
        );
    }
}
