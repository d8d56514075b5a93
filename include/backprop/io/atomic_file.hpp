// Writing a file so that readers see either the old content or the new, never a partial file.
#pragma once

#include <span>
#include <string>

namespace bp {

/// Writes bytes to path atomically and durably: a temporary file in the same directory, fsync,
/// rename over path, fsync of the directory. On any failure the temporary file is removed, the
/// previous content of path (if any) is intact, and CantCreateError (cannot create) or IoError
/// (write/sync failed, e.g. disk full) names the path and the system's reason.
void write_file_atomically(const std::string& path, std::span<const unsigned char> bytes);

/// Checks, before any work is spent, that `path` can be written later (by write_file_atomically
/// or by opening it for writing): its directory exists and is writable, path is not a directory,
/// and an existing file at path is writable. Creates and removes a temporary file next to path
/// (named as write_file_atomically names its own, so remove_stale_temporaries sweeps it if the
/// process dies in between); path itself is never opened. Throws CantCreateError "cannot create
/// <what> 'path': <reason>".
void probe_output(const std::string& path, const std::string& what);

/// Reads a whole file; NoInputError naming the path and reason when it cannot be opened.
std::string read_file(const std::string& path);

}  // namespace bp
