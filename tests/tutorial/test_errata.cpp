// The errata table's helpers and renderings (the numbers themselves are pinned in test_seed.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/tutorial/errata.hpp"

namespace bp {
namespace {

TEST(SeedErrata, PrintedDecimals) {
  EXPECT_EQ(printed_decimals("0.10"), 2);
  EXPECT_EQ(printed_decimals("0.0000351085"), 10);
  EXPECT_EQ(printed_decimals("-0.0380982366126414"), 16);
  EXPECT_EQ(printed_decimals("408666186"), 0);
}

TEST(SeedErrata, FormatFixedRoundsTheExactValue) {
  EXPECT_EQ(format_fixed(0.1L, 2), "0.10");
  EXPECT_EQ(format_fixed(0.2748110835080524L, 9), "0.274811084");
  EXPECT_EQ(format_fixed(-0.038098236612641355L, 16), "-0.0380982366126414");
  EXPECT_EQ(format_fixed(408666186.0L, 0), "408666186");
}

TEST(SeedErrata, FormatSignificant) {
  EXPECT_EQ(format_significant(0.59326999210718725), "0.5932699921");
  EXPECT_EQ(format_significant(1.1059059670597700), "1.105905967");
  EXPECT_EQ(format_significant(0.036350306393144678), "0.03635030639");
  EXPECT_EQ(format_significant(3.5101877829788e-05), "3.510187783e-05");
  EXPECT_EQ(format_significant(-0.019049118258278108), "-0.01904911826");
  EXPECT_EQ(format_significant(0.0), "0.000000000");
}

TEST(SeedErrata, ParseFormat) {
  EXPECT_EQ(parse_errata_format("text"), ErrataFormat::kText);
  EXPECT_EQ(parse_errata_format("markdown"), ErrataFormat::kMarkdown);
  EXPECT_EQ(parse_errata_format("md"), ErrataFormat::kMarkdown);
  EXPECT_EQ(parse_errata_format("json"), ErrataFormat::kJson);
  try {
    parse_errata_format("xml");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'xml'"), std::string::npos) << e.what();
  }
}

TEST(SeedErrata, StatusNames) {
  EXPECT_EQ(seed_status_name(SeedStatus::kMatches), "matches");
  EXPECT_EQ(seed_status_name(SeedStatus::kRounding), "rounding");
  EXPECT_EQ(seed_status_name(SeedStatus::kSlip), "slip");
  EXPECT_EQ(seed_status_name(SeedStatus::kVariant), "variant");
  EXPECT_EQ(seed_status_name(SeedStatus::kVariantSlip), "variant+slip");
}

TEST(SeedErrata, IdsAreUniqueAndEveryEntryIsDescribed) {
  const auto values = seed_values();
  std::vector<std::string> ids;
  for (const auto& v : values) {
    ids.push_back(v.id);
    EXPECT_FALSE(v.where.empty()) << v.id;
    EXPECT_FALSE(v.quantity.empty()) << v.id;
    EXPECT_EQ(v.how.empty(), v.status == SeedStatus::kMatches) << v.id;
    EXPECT_EQ(std::isnan(v.reproduction), v.status == SeedStatus::kMatches) << v.id;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate id";
  const auto n = std::count_if(values.begin(), values.end(),
                               [](const SeedValue& v) { return v.status != SeedStatus::kMatches; });
  EXPECT_EQ(n, 14);
}

TEST(SeedErrata, NotationSlips) {
  const auto slips = seed_notation_slips();
  EXPECT_GE(slips.size(), 10u);
  bool eq26 = false;
  for (const auto& s : slips) {
    EXPECT_FALSE(s.where.empty());
    EXPECT_FALSE(s.printed.empty());
    EXPECT_FALSE(s.should_be.empty());
    eq26 |= s.where == "Eq. (26)" && s.should_be == "dE2/dy2";
  }
  EXPECT_TRUE(eq26);
}

TEST(SeedErrata, JsonRoundTrips) {
  const auto values = seed_values();
  const auto j = nlohmann::json::parse(render_seed_errata(values, seed_notation_slips(), ErrataFormat::kJson));
  ASSERT_EQ(j.at("values").size(), values.size());
  for (std::size_t k = 0; k < values.size(); ++k) {
    const auto& e = j.at("values")[k];
    EXPECT_EQ(e.at("id"), values[k].id);
    EXPECT_EQ(e.at("printed"), values[k].printed);
    EXPECT_EQ(e.at("reproduced"), values[k].printed);
    EXPECT_EQ(e.at("equations").get<double>(), values[k].equations);  // full precision survives
    EXPECT_EQ(e.at("status"), std::string(seed_status_name(values[k].status)));
    if (values[k].status == SeedStatus::kMatches) {
      EXPECT_TRUE(e.at("reproduction").is_null());
    } else {
      EXPECT_EQ(e.at("reproduction").get<double>(), values[k].reproduction);
    }
  }
  EXPECT_EQ(j.at("notation_slips").size(), seed_notation_slips().size());
}

TEST(SeedErrata, MarkdownAndText) {
  const auto values = seed_values();
  const auto slips = seed_notation_slips();
  const std::string md = render_seed_errata(values, slips, ErrataFormat::kMarkdown);
  EXPECT_NE(md.find("| 33 | `list.w6_new` |"), std::string::npos) << md;
  EXPECT_NE(md.find("`0.0364908241736793` | 0.03635030639 | slip | 0.03649082417 |"), std::string::npos) << md;
  const std::string text = render_seed_errata(values, slips, ErrataFormat::kText);
  EXPECT_NE(text.find("55 listed, 14 of them errata"), std::string::npos) << text;
  EXPECT_NE(text.find("end.E_after_1             0.291027924          0.2910277737        variant       0.2910279239"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace bp
