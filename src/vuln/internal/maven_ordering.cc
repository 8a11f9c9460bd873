// Maven versions as org.apache.maven.artifact.versioning.ComparableVersion orders them: the
// class in Debian's Maven 3.8 (maven-artifact), which the differential tests run.
//
// Parsing: the string is ASCII-lowercased and splits into items at '.', at '-', and at every
// transition between digits and non-digits. A '-' opens a nested list that holds the rest of
// the version, and so does a digit/letter transition (a number followed by letters is "number,
// then a list starting with the qualifier"; letters followed by a digit start a list of their
// own when the current list has items, then open another for the number). A qualifier at the
// very end starts a list of its own when the current list has items (".X" at the end reads as
// "-X"); a qualifier between dots stays in its list ("1.0.alpha.1" is [1, 0, alpha, 1]). An
// empty item ("1..2", "-1") is 0. Numbers have any length. A one-letter a, b or m directly
// followed by a digit means alpha, beta or milestone; cr means rc; ga, final and release mean
// the empty qualifier. Each list then drops its trailing "null" items (0, the empty qualifier,
// empty lists), passing over a non-empty list at its end, deepest list first.
//
// Order, item against item: number > list > qualifier, numbers by value, qualifiers as
// alpha < beta < milestone < rc < snapshot < "" < sp < unknown ones (bytewise among unknown
// ones); a missing item compares as each kind compares with null: a number by whether it is
// 0, a qualifier by its place against "", a list by its first item that is not equal to null.
//
// Maven's order is not transitive (1.0.sp.1 < 1.0-alpha < 1.0 < 1.0.sp.1): a qualifier sits
// below every list, yet compares with a missing item by its content. It is followed here as it
// is, since the point is the answer Maven gives for each pair; the coarse key (see CoarseKey)
// puts every such cycle on one key, so that matching compares them pairwise as Maven does.
//
// Every string is a Maven version (Maven accepts anything), so IsValid is always true.
// Non-ASCII bytes count as letters; Java's Unicode digits and case mappings are not applied.
//
// Since every '-' or transition nests one level deeper, the structure is a chain of levels,
// each a run of number/qualifier items possibly followed by the next level. It is stored flat
// and compared iteratively, so depth costs no stack.
#include <vector>

#include "vuln/internal/language_ordering.h"

namespace bulwark::vuln::internal {
namespace {

constexpr int kReleaseRank = 5;  // the empty qualifier
constexpr int kUnknownRank = 7;  // every qualifier not in the list, ordered by its text

struct MavenItem {
  bool is_number;
  int rank;               // qualifiers: alpha 0 ... sp 6, unknown 7
  std::string_view text;  // numbers: digits without leading zeros; unknown qualifiers: text

  bool IsNull() const { return is_number ? text.empty() : rank == kReleaseRank; }
};

struct MavenLevel {
  size_t begin;  // items [begin, end) of the shared item array
  size_t end;
};

// Levels[0] is the root; each level but the last ends with the next one as its final item.
struct MavenVersion {
  std::vector<MavenItem> items;
  std::vector<MavenLevel> levels;
};

MavenItem NumberItem(std::string_view digits) {
  size_t i = 0;
  while (i < digits.size() && digits[i] == '0') ++i;
  return MavenItem{true, 0, digits.substr(i)};
}

MavenItem QualifierItem(std::string_view text, bool followed_by_digit) {
  if (followed_by_digit && text.size() == 1) {
    switch (AsciiLower(text[0])) {
      case 'a':
        return MavenItem{false, 0, {}};
      case 'b':
        return MavenItem{false, 1, {}};
      case 'm':
        return MavenItem{false, 2, {}};
      default:
        break;
    }
  }
  struct Known {
    std::string_view word;
    int rank;
  };
  static constexpr Known kKnown[] = {
      {"alpha", 0}, {"beta", 1}, {"milestone", 2}, {"rc", 3},      {"cr", 3}, {"snapshot", 4},
      {"", 5},      {"ga", 5},   {"final", 5},     {"release", 5}, {"sp", 6},
  };
  for (const Known& known : kKnown) {
    if (EqualsIgnoreCase(text, known.word)) return MavenItem{false, known.rank, {}};
  }
  return MavenItem{false, kUnknownRank, text};
}

MavenVersion ParseMaven(std::string_view s) {
  MavenVersion v;
  v.items.reserve(8);
  v.levels.reserve(4);
  v.levels.push_back({0, 0});
  auto add = [&](MavenItem item) {
    v.items.push_back(item);
    v.levels.back().end = v.items.size();
  };
  auto open_list = [&] { v.levels.push_back({v.items.size(), v.items.size()}); };
  auto current_empty = [&] { return v.levels.back().begin == v.levels.back().end; };
  auto parse_item = [](bool is_digit, std::string_view text) {
    return is_digit ? NumberItem(text) : QualifierItem(text, false);
  };

  bool is_digit = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' || c == '-') {
      add(i == start ? NumberItem({}) : parse_item(is_digit, s.substr(start, i - start)));
      start = i + 1;
      if (c == '-') open_list();
    } else if (IsAsciiDigit(c)) {
      if (!is_digit && i > start) {
        // 1.0.0.X1 < 1.0.0-X2: a qualifier followed by a number starts its own list.
        if (!current_empty()) open_list();
        add(QualifierItem(s.substr(start, i - start), true));
        start = i;
        open_list();
      }
      is_digit = true;
    } else {
      if (is_digit && i > start) {
        add(NumberItem(s.substr(start, i - start)));
        start = i;
        open_list();
      }
      is_digit = false;
    }
  }
  if (s.size() > start) {
    // Treat a trailing ".X" as "-X" for any qualifier X.
    if (!is_digit && !current_empty()) open_list();
    add(parse_item(is_digit, s.substr(start)));
  }

  // Normalize, deepest level first, as the reference pops its stack.
  for (size_t l = v.levels.size(); l-- > 0;) {
    MavenLevel& level = v.levels[l];
    while (level.end > level.begin && v.items[level.end - 1].IsNull()) --level.end;
    bool is_last = l + 1 == v.levels.size();
    if (l > 0 && is_last && level.begin == level.end) v.levels.pop_back();
  }
  return v;
}

// What stands at position i of a level: an item, the nested level, or nothing.
struct Element {
  enum Kind { kNone, kItem, kList } kind;
  const MavenItem* item;
  size_t level;
};

Element ElementAt(const MavenVersion& v, size_t level, size_t i) {
  const MavenLevel& l = v.levels[level];
  size_t count = l.end - l.begin;
  if (i < count) return {Element::kItem, &v.items[l.begin + i], 0};
  if (i == count && level + 1 < v.levels.size()) return {Element::kList, nullptr, level + 1};
  return {Element::kNone, nullptr, 0};
}

int CompareItemWithNull(const MavenItem& item) {
  if (item.is_number) return item.text.empty() ? 0 : 1;
  return Sign(item.rank - kReleaseRank);
}

// A list against a missing item: its elements in turn, the first that is not null decides.
int CompareListWithNull(const MavenVersion& v, size_t level) {
  for (; level < v.levels.size(); ++level) {
    const MavenLevel& l = v.levels[level];
    for (size_t i = l.begin; i < l.end; ++i) {
      if (int c = CompareItemWithNull(v.items[i]); c != 0) return c;
    }
  }
  return 0;
}

int CompareWithNull(const MavenVersion& v, const Element& e) {
  return e.kind == Element::kList ? CompareListWithNull(v, e.level) : CompareItemWithNull(*e.item);
}

int CompareItems(const MavenItem& x, const MavenItem& y) {
  if (x.is_number && y.is_number) return CompareDigits(x.text, y.text);
  if (x.is_number != y.is_number) return x.is_number ? 1 : -1;
  if (x.rank != y.rank) return x.rank < y.rank ? -1 : 1;
  return x.rank == kUnknownRank ? CompareBytesIgnoreCase(x.text, y.text) : 0;
}

// Two present elements that are not both lists.
int CompareElements(const MavenVersion& a, const Element& ea, const MavenVersion& b,
                    const Element& eb) {
  // A list is below a number and above a qualifier.
  if (ea.kind == Element::kList) return eb.item->is_number ? -1 : 1;
  if (eb.kind == Element::kList) return ea.item->is_number ? 1 : -1;
  return CompareItems(*ea.item, *eb.item);
}

int CompareMaven(const MavenVersion& a, const MavenVersion& b) {
  size_t la = 0, lb = 0;
  for (size_t i = 0;; ++i) {
    Element ea = ElementAt(a, la, i), eb = ElementAt(b, lb, i);
    if (ea.kind == Element::kNone && eb.kind == Element::kNone) return 0;
    if (ea.kind == Element::kList && eb.kind == Element::kList) {
      // Both lists are the last elements of their levels: descend instead of recursing.
      la = ea.level;
      lb = eb.level;
      i = static_cast<size_t>(-1);
      continue;
    }
    int c;
    if (ea.kind == Element::kNone) {
      c = -CompareWithNull(b, eb);
    } else if (eb.kind == Element::kNone) {
      c = CompareWithNull(a, ea);
    } else {
      c = CompareElements(a, ea, b, eb);
    }
    if (c != 0) return c;
  }
}

class MavenOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kMaven; }
  std::string_view name() const override { return "maven"; }

  int Compare(std::string_view a, std::string_view b) const override {
    return CompareMaven(ParseMaven(a), ParseMaven(b));
  }

  bool IsValid(std::string_view) const override { return true; }

  // The first three root items in 20 bits each while they are numbers (0 from the first one
  // that is not). A number is above a list, a qualifier, and (when it is not 0) a missing item,
  // so these fields sort with the version. Nothing after them is keyed: what follows three
  // equal numbers can fall in one of Maven's cycles (see the file comment), whose members must
  // share a key.
  uint64_t CoarseKey(std::string_view v) const override {
    MavenVersion parsed = ParseMaven(v);
    CoarseKeyBuilder key;
    bool numbers_so_far = true;
    for (size_t i = 0; i < 3; ++i) {
      Element e = ElementAt(parsed, 0, i);
      numbers_so_far = numbers_so_far && e.kind == Element::kItem && e.item->is_number;
      key.AddDigits(numbers_so_far ? e.item->text : std::string_view(), 20);
    }
    return key.Finish();
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewMavenOrdering() { return std::make_unique<MavenOrdering>(); }

}  // namespace bulwark::vuln::internal
