// Every number the seed (docs/tutorial/worked-example.txt) prints, next to what its own
// equations give (computed live by the library) and, for those that do not follow, the computation
// that does produce the printed value. The human write-up is docs/seed-errata.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bp {

/// How a printed number relates to the seed's equations.
enum class SeedStatus {
  /// The equations at full precision, rounded to the printed number of decimals, give the printed
  /// string (the given data count here too).
  kMatches,
  /// The equations at full precision do not round to it, but the same formula evaluated on the
  /// seed's own rounded, printed intermediates does (legitimate hand-calculation rounding).
  kRounding,
  /// A transcription slip: a wrong value copied, or digits/decimal point garbled.
  kSlip,
  /// Computed by a legitimate variant of the algorithm that the text does not describe
  /// (update order, or when the loss is measured).
  kVariant,
  /// A transcription slip on top of a value computed by such a variant.
  kVariantSlip,
};

/// "matches", "rounding", "slip", "variant", "variant+slip".
std::string_view seed_status_name(SeedStatus s) noexcept;

/// One number printed in the seed.
struct SeedValue {
  std::string id;        ///< stable name, e.g. "eq10.dy1_dw5"
  std::string where;     ///< where it is printed, e.g. "Eq. (10)" or "Last paragraph"
  std::string quantity;  ///< what it is meant to be, e.g. "dy1/dw5 = H1_final"
  std::string printed;   ///< exactly as printed
  double equations = 0;  ///< what the seed's equations give, full double precision (live)
  SeedStatus status = SeedStatus::kMatches;
  /// Errata only: the value of the computation that reproduces the printed string (live). For a
  /// pure slip, the value before the slip garbled it. NaN for kMatches.
  double reproduction = 0;
  /// The printed string that the reproduction (or, for kMatches, the equations) gives: the value
  /// at the printed number of decimals, with the slip applied where there is one. Always equals
  /// `printed` (tests/tutorial/test_worked_example.cpp checks it).
  std::string reproduced;
  std::string how;  ///< errata only: one line naming the computation and the slip
};

/// The whole table, in the order the seed prints the numbers (55 entries). Runs the seed network
/// forward and backward, one update in each order, and 10,000 updates in each order (a few ms).
std::vector<SeedValue> seed_values();

/// A slip in the seed's text or notation that is not a number.
struct SeedNotationSlip {
  std::string where;      ///< e.g. "Eq. (26)"
  std::string printed;    ///< what the seed writes
  std::string should_be;  ///< what its own equations require
};

/// The notation slips, in the order they occur in the seed.
std::vector<SeedNotationSlip> seed_notation_slips();

/// Number of digits after the decimal point of a printed number ("0.10" -> 2, "408666186" -> 0).
int printed_decimals(std::string_view printed) noexcept;
/// `v` in fixed notation with `decimals` digits after the point (glibc rounds the exact binary
/// value correctly, so this is "the value at the printed precision").
std::string format_fixed(long double v, int decimals);
/// `v` to `digits` significant digits, scientific when |v| < 1e-3, else fixed ("0.5932699921").
std::string format_significant(double v, int digits = 10);

enum class ErrataFormat { kText, kMarkdown, kJson };
/// "text", "markdown" (also "md"), "json"; throws UsageError naming the value and the choices.
ErrataFormat parse_errata_format(std::string_view name);
/// The table and the notation slips, as `backprop errata --format ...` prints them.
std::string render_seed_errata(const std::vector<SeedValue>& values,
                               const std::vector<SeedNotationSlip>& slips, ErrataFormat format);

}  // namespace bp
