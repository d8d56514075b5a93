// The CLI's schema (tools/backprop/config/): every default passes its own key's check, every key has
// help, values are refused by type and range, and "did you mean" finds slips (edit distances by hand).
#include <gtest/gtest.h>

#include "config/schema.hpp"
#include "config/suggest.hpp"

namespace bp::cli {
namespace {

const Schema* const kAll[] = {&train_schema(),   &evaluate_schema(), &predict_schema(),
                              &explain_schema(), &gradcheck_schema(), &errata_schema()};

TEST(Schema, EveryDefaultIsValidAndEveryKeyHasHelp) {
  for (const Schema* s : kAll)
    for (const Key& k : *s) {
      Json v = k.value;
      const auto r = check_value(k, v);
      EXPECT_FALSE(r.has_value()) << k.name << ": default " << k.value.dump() << " refused: " << r->expected;
      EXPECT_FALSE(k.help.empty()) << k.name;
      EXPECT_EQ(find_key(*s, k.name), &k) << k.name << " appears twice";
    }
}

TEST(Schema, TheKeysOtherHelpersNeedAreThere) {
  const Schema& t = train_schema();
  for (const char* v : {"auto", "classification", "regression"}) {
    Json j = v;
    EXPECT_FALSE(check_value(*find_key(t, "task"), j)) << v;
  }
  for (const char* v : {"auto", "half-sse", "mse", "cross-entropy", "binary-cross-entropy"}) {
    Json j = v;
    EXPECT_FALSE(check_value(*find_key(t, "loss"), j)) << v;
  }
  for (const char* name : {"hidden", "layers"}) {
    Json a = "auto", sizes = Json::array({64, 32}), zero = Json::array({64, 0});
    EXPECT_FALSE(check_value(*find_key(t, name), a)) << name;
    EXPECT_FALSE(check_value(*find_key(t, name), sizes)) << name;
    EXPECT_TRUE(check_value(*find_key(t, name), zero)) << name;
  }
}

TEST(Schema, RefusesByTypeAndRange) {
  const Schema& t = train_schema();
  auto refused = [&](const char* key, Json v) { return check_value(*find_key(t, key), v).has_value(); };
  EXPECT_TRUE(refused("epochs", -5));
  EXPECT_TRUE(refused("epochs", 0));
  EXPECT_TRUE(refused("epochs", 2.5));
  EXPECT_TRUE(refused("epochs", "3"));
  EXPECT_FALSE(refused("epochs", 3));
  EXPECT_TRUE(refused("lr", "nan"));
  EXPECT_TRUE(refused("lr", 0.0));
  EXPECT_FALSE(refused("lr", 1));  // an integer is a number
  EXPECT_FALSE(refused("lr", nullptr));
  EXPECT_TRUE(refused("dropout", 1.0));
  EXPECT_FALSE(refused("dropout", 0.0));
  EXPECT_TRUE(refused("history_size", 0));
  EXPECT_TRUE(refused("nesterov", 1));
  EXPECT_TRUE(refused("batch_size", "0"));
  EXPECT_FALSE(refused("batch_size", "full"));
  EXPECT_FALSE(refused("batch_size", 32));
  EXPECT_TRUE(refused("checkpoint_every", "3weeks"));
  EXPECT_FALSE(refused("checkpoint_every", "500steps"));
  EXPECT_TRUE(refused("output", ""));
  EXPECT_TRUE(refused("verbose", 3));
  EXPECT_FALSE(refused("verbose", -1));
}

TEST(Schema, FlagTextIsParsedByType) {
  const Schema& t = train_schema();
  Json out;
  EXPECT_FALSE(parse_flag_text(*find_key(t, "layers"), "2,8,3", out));
  EXPECT_EQ(out, Json::array({2, 8, 3}));
  EXPECT_TRUE(parse_flag_text(*find_key(t, "layers"), "2,-8,3", out));
  EXPECT_TRUE(parse_flag_text(*find_key(t, "epochs"), "-5", out));
  EXPECT_TRUE(parse_flag_text(*find_key(t, "lr"), "nan", out));
  EXPECT_TRUE(parse_flag_text(*find_key(t, "lr"), "0.1x", out));
  EXPECT_FALSE(parse_flag_text(*find_key(t, "lr"), "0.1", out));
  EXPECT_EQ(out, 0.1);
  const auto r = parse_flag_text(*find_key(t, "optimizer"), "adma", out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hint, "did you mean 'adam'?");
}

TEST(Suggest, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(edit_distance("adma", "adam"), 1u);        // swap
  EXPECT_EQ(edit_distance("sigmod", "sigmoid"), 1u);   // insert
  EXPECT_EQ(edit_distance("--optimiser", "--optimizer"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Suggest, NearestOnlyForSlips) {
  EXPECT_EQ(nearest("adma", {"sgd", "adam", "adamw"}), "adam");
  EXPECT_EQ(nearest("--epoch", {"--epochs", "--seed"}), "--epochs");
  EXPECT_EQ(nearest("lerning_rate", {"lr", "lr_decay"}), "");
  EXPECT_EQ(nearest("xy", {"lr"}), "");
}

}  // namespace
}  // namespace bp::cli
