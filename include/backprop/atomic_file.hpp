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

/// Checks, before a long computation, that write_file_atomically(path, ...) will be able to create
/// its file: creates and removes a temporary file beside path, and refuses a path that is a
/// directory. Throws CantCreateError naming the path and the system's reason.
void probe_writable(const std::string& path);

/// Reads a whole file; NoInputError naming the path and reason when it cannot be opened.
std::string read_file(const std::string& path);

}  // namespace bp
