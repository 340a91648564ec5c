//! The `custody` binary: everything lives in the library; this is the edge.

/// mimalloc rather than the system allocator: ingest allocates per field on one
/// thread and frees on another, where glibc's arenas spent about a sixth of the CPU
/// consolidating and unlinking chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    custody::cli::main()
}
