// Progress::format_duration: 0.01 s under a minute, then m:ss and h:mm:ss (values by hand).
#include <gtest/gtest.h>

#include "backprop/train/progress.hpp"

namespace bp {
namespace {

TEST(Progress, DurationsToAHundredthUnderAMinute) {
  EXPECT_EQ(Progress::format_duration(0.0), "0.00s");
  EXPECT_EQ(Progress::format_duration(0.004), "0.00s");
  EXPECT_EQ(Progress::format_duration(0.42), "0.42s");
  EXPECT_EQ(Progress::format_duration(1.0), "1.00s");
  EXPECT_EQ(Progress::format_duration(12.3), "12.30s");
  EXPECT_EQ(Progress::format_duration(59.99), "59.99s");
  EXPECT_EQ(Progress::format_duration(59.996), "1:00");  // would print as 60.00s
  EXPECT_EQ(Progress::format_duration(62.0), "1:02");
  EXPECT_EQ(Progress::format_duration(3723.0), "1:02:03");
}

}  // namespace
}  // namespace bp
