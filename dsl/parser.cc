#include "dsl/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "EddySqlLexer.h"
#include "EddySqlParser.h"
#include "antlr4-runtime.h"
#include "dsl/ast_builder.h"

// The ANTLR adapter: everything ANTLR may throw or print stops here. The lexer's and parser's
// console listeners are removed, the first syntax error ends the parse (there is no point
// guessing past it), and nesting is bounded before ANTLR's recursive descent starts.

namespace eddy::dsl {
namespace {

using P = eddy_gen::EddySqlParser;

// The lexer sees the input upper-cased, so keywords match in any case; token text still comes
// from the original characters, so strings and quoted identifiers keep their case.
class UpperCaseInputStream : public antlr4::ANTLRInputStream {
 public:
  using antlr4::ANTLRInputStream::ANTLRInputStream;
  size_t LA(ssize_t i) override {
    const size_t c = antlr4::ANTLRInputStream::LA(i);
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
  }
};

SourcePos PosOf(const antlr4::Token* t) {
  return {static_cast<int>(t->getLine()), static_cast<int>(t->getCharPositionInLine()) + 1};
}

// ANTLR converts its input to UTF-32 and throws on malformed UTF-8; checking first lets us say
// where the bad byte is. Columns count characters, as ANTLR's do.
Status CheckUtf8(std::string_view text) {
  int line = 1;
  int column = 1;
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= text.size();
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(text[i + k]);
      ok = (cb & 0xC0) == 0x80;
      cp = (cp << 6) | (cb & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed too.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) {
      ok = false;
    }
    if (!ok) return Status::Invalid("the text is not valid UTF-8", SourcePos{line, column});
    if (b == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
  return Status::Ok();
}

// Rejects input nested deeper than `max_nesting` before the parser sees it: ANTLR's parser and its
// prediction recurse once or more per level and would exhaust the stack on hostile input. Counts
// brackets, CASE ... END, type angle brackets, and runs of prefix operators (NOT NOT ..., - - ...,
// EXPLAIN EXPLAIN ...), which recurse without brackets.
Status CheckNesting(const std::vector<antlr4::Token*>& tokens, int max_nesting) {
  enum class Open : uint8_t { kParen, kBracket, kCase, kAngle };
  std::vector<Open> stack;
  const auto pop_to = [&stack](Open kind) {
    while (!stack.empty()) {
      const Open top = stack.back();
      stack.pop_back();
      if (top == kind) return;
    }
  };
  int prefix_run = 0;
  size_t prev = 0;
  for (antlr4::Token* t : tokens) {
    const size_t type = t->getType();
    if (type == antlr4::Token::EOF) break;
    switch (type) {
      case P::LPAREN: stack.push_back(Open::kParen); break;
      case P::LBRACKET: stack.push_back(Open::kBracket); break;
      case P::CASE: stack.push_back(Open::kCase); break;
      case P::LT:
        if (prev == P::ARRAY || prev == P::MAP || prev == P::STRUCT) stack.push_back(Open::kAngle);
        break;
      case P::GT:
        if (!stack.empty() && stack.back() == Open::kAngle) stack.pop_back();
        break;
      case P::RPAREN: pop_to(Open::kParen); break;
      case P::RBRACKET: pop_to(Open::kBracket); break;
      case P::END:
        if (!stack.empty() && stack.back() == Open::kCase) stack.pop_back();
        break;
      case P::SEMICOLON: stack.clear(); break;
      default: break;
    }
    const bool prefix = type == P::NOT || type == P::MINUS || type == P::PLUS || type == P::EXPLAIN;
    prefix_run = prefix ? prefix_run + 1 : 0;
    if (static_cast<int64_t>(stack.size()) + prefix_run > max_nesting) {
      return Status::Invalid(fmt::format("expression nested too deeply (more than {} levels)", max_nesting),
                             PosOf(t));
    }
    prev = type;
  }
  return Status::Ok();
}

// Thrown by FirstErrorStrategy to abandon the parse; never leaves this file.
struct CancelParse {};

// Keeps ANTLR's error detection but, instead of recovering, records the first error in plain
// words and abandons the parse.
class FirstErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  const std::optional<Status>& error() const { return error_; }

  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override {
    antlr4::Token* token = e.getOffendingToken();
    if (token == nullptr) token = parser->getCurrentToken();
    if (token->getType() == P::UNRECOGNIZED) Fail(token, LexerMessage(token));
    if (const auto* nva = dynamic_cast<const antlr4::NoViableAltException*>(&e)) {
      // ANTLR's words, as ksqlDB reports them: the input from where the decision started.
      std::string input = "<EOF>";
      if (nva->getStartToken()->getType() != antlr4::Token::EOF) {
        input = parser->getTokenStream()->getText(nva->getStartToken(), token);
      }
      Fail(token, "Syntax Error\nno viable alternative at input " + Quoted(input));
    }
    std::optional<antlr4::misc::IntervalSet> expected = SafeExpected([&] { return e.getExpectedTokens(); });
    Fail(token, "Syntax Error" + ExpectingLine(parser, expected));
  }

 protected:
  void reportUnwantedToken(antlr4::Parser* parser) override {
    antlr4::Token* token = parser->getCurrentToken();
    if (token->getType() == P::UNRECOGNIZED) Fail(token, LexerMessage(token));
    auto expected = SafeExpected([&] { return parser->getExpectedTokens(); });
    Fail(token, "Syntax Error\nextraneous input " + Shown(token) +
                    (expected ? " expecting " + SetText(parser, *expected) : std::string()));
  }
  void reportMissingToken(antlr4::Parser* parser) override {
    antlr4::Token* token = parser->getCurrentToken();
    if (token->getType() == P::UNRECOGNIZED) Fail(token, LexerMessage(token));
    auto expected = SafeExpected([&] { return parser->getExpectedTokens(); });
    if (!expected) Fail(token, "Syntax Error");
    Fail(token, "Syntax Error\nmissing " + SetText(parser, *expected) + " at " + Shown(token));
  }

 private:
  template <typename F>
  static std::optional<antlr4::misc::IntervalSet> SafeExpected(F f) {
    try {
      return f();
    } catch (...) {
      return std::nullopt;  // only the expectations are lost; the error is still reported
    }
  }

  [[noreturn]] void Fail(antlr4::Token* token, std::string message) {
    if (!error_) {
      error_ = Status::Invalid(std::move(message), PosOf(token));
      token_ = token->getType() == antlr4::Token::EOF ? "<EOF>" : token->getText();
    }
    throw CancelParse{};
  }

  // ANTLR's display of a token: its text in single quotes, "<EOF>" at the end.
  static std::string Shown(antlr4::Token* token) {
    if (token->getType() == antlr4::Token::EOF) return "<EOF>";
    return Quoted(token->getText());
  }

  static std::string Quoted(std::string text) {
    if (text.size() > 40) {
      size_t cut = 37;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole chars
      text = text.substr(0, cut) + "...";
    }
    std::string out = "'";
    for (char c : text) {
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else out.push_back(c);
    }
    return out + "'";
  }

  static std::string LexerMessage(antlr4::Token* token) {
    const std::string text = token->getText();
    if (text == "'") return "unterminated string: the closing ' is missing";
    if (text == "\"" || text == "`") {
      return fmt::format("unterminated quoted identifier: the closing {} is missing", text);
    }
    const std::string shown = !text.empty() && static_cast<unsigned char>(text[0]) < 0x20
                                  ? fmt::format("U+{:04X}", static_cast<unsigned>(text[0]))
                                  : Shown(token);
    return fmt::format("unexpected character {}", shown);
  }

  // "\nExpecting {',', ')'}" as ksqlDB words it. Nothing when only ';' or the end would do:
  // ANTLR has then already left the rule whose continuations (more clauses, an operator) were
  // possible too, and naming just those two would mislead.
  static std::string ExpectingLine(antlr4::Parser* parser, const std::optional<antlr4::misc::IntervalSet>& expected) {
    if (!expected || expected->isEmpty()) return "";
    antlr4::misc::IntervalSet end_only;
    end_only.add(static_cast<ssize_t>(P::SEMICOLON));
    end_only.add(static_cast<ssize_t>(-1));  // Token::EOF
    if (expected->subtract(end_only).isEmpty()) return "";
    return "\nExpecting " + SetText(parser, *expected);
  }

  // ANTLR's rendering of a token set ("{'STRING', INTEGER_VALUE}", "')'") when short; a long
  // one is described by the classes of tokens it holds ("an expression").
  static std::string SetText(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) {
    if (expected.size() <= 6) return expected.toString(parser->getVocabulary());
    return Describe(parser, expected);
  }

  // "an expression", "',' or FROM", "one of A, B, C, D, E, F, ...": whole classes of tokens are
  // named by what they start, so the list stays short.
  static std::string Describe(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) {
    const antlr4::atn::ATN& atn = parser->getATN();
    const auto first = [&atn](size_t rule) { return atn.nextTokens(atn.ruleToStartState[rule]); };
    const auto contains_all = [](const antlr4::misc::IntervalSet& set, const antlr4::misc::IntervalSet& sub) {
      return sub.subtract(set).isEmpty();
    };
    // Broadest first; an identifier before a type, since every identifier may name a type.
    const std::pair<size_t, const char*> classes[] = {
        {P::RuleStatement, "a statement"},
        {P::RuleExpression, "an expression"},
        {P::RuleValueExpression, "an expression"},
        {P::RuleLiteral, "a value"},
        {P::RuleIdentifier, "an identifier"},
        {P::RuleType, "a type"},
    };
    std::vector<std::string> items;
    antlr4::misc::IntervalSet rest = expected;
    antlr4::misc::IntervalSet named;
    for (const auto& [rule, label] : classes) {
      antlr4::misc::IntervalSet set = first(rule);
      if (contains_all(expected, set) && !contains_all(named, set)) {
        if (std::find(items.begin(), items.end(), label) == items.end()) items.emplace_back(label);
        rest = rest.subtract(set);
        named = named.Or(set);
        if (rule == P::RuleStatement) {
          // Between statements ';' and the end are always possible too; saying so adds nothing.
          rest.remove(static_cast<size_t>(P::SEMICOLON));
          rest.remove(static_cast<size_t>(antlr4::Token::EOF));
        }
      }
    }
    const antlr4::dfa::Vocabulary& vocabulary = parser->getVocabulary();
    for (ssize_t t : rest.toList()) {
      std::string name = TokenName(vocabulary, t);
      if (std::find(items.begin(), items.end(), name) == items.end()) items.push_back(std::move(name));
    }
    if (items.size() == 1) return items[0];
    if (items.size() > 8) {
      std::string out = "one of ";
      for (size_t i = 0; i < 8; ++i) out += items[i] + ", ";
      return out + "...";
    }
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
      out += items[i];
    }
    return out;
  }

  static std::string TokenName(const antlr4::dfa::Vocabulary& vocabulary, ssize_t t) {
    if (t == -1) return "end of input";  // Token::EOF as the signed value IntervalSet keeps
    switch (t) {
      case P::IDENTIFIER:
      case P::QUOTED_IDENTIFIER:
      case P::BACKQUOTED_IDENTIFIER:
      case P::DIGIT_IDENTIFIER: return "an identifier";
      case P::STRING: return "a string";
      case P::INTEGER_VALUE: return "an integer";
      case P::DECIMAL_VALUE:
      case P::FLOATING_POINT_VALUE: return "a number";
      default: break;
    }
    // Keywords read better bare (FROM), punctuation quoted (',').
    std::string literal = vocabulary.getLiteralName(static_cast<size_t>(t));
    if (literal.size() > 2 && std::isalpha(static_cast<unsigned char>(literal[1]))) {
      return literal.substr(1, literal.size() - 2);
    }
    return literal.empty() ? vocabulary.getDisplayName(static_cast<size_t>(t)) : literal;
  }

  std::optional<Status> error_;
  std::string token_;

 public:
  const std::string& token() const { return token_; }
};

// One parse: the ANTLR objects for a text, wired so nothing prints and the first error stops it.
struct Session {
  explicit Session(std::string_view text)
      : input(std::string(text)), lexer(&input), tokens(&lexer), parser(&tokens) {
    lexer.removeErrorListeners();  // cannot fail anyway: UNRECOGNIZED takes any character
    parser.removeErrorListeners();
    strategy = std::make_shared<FirstErrorStrategy>();
    parser.setErrorHandler(strategy);
  }
  UpperCaseInputStream input;
  eddy_gen::EddySqlLexer lexer;
  antlr4::CommonTokenStream tokens;
  eddy_gen::EddySqlParser parser;
  std::shared_ptr<FirstErrorStrategy> strategy;
};

// Runs `parse` (which walks the tree into the AST) inside the adapter's guard rails.
template <typename T, typename Parse>
Result<T> Run(std::string_view text, const ParseOptions& options, Parse parse) {
  RETURN_IF_ERROR(CheckUtf8(text));
  std::unique_ptr<Session> session;
  try {
    session = std::make_unique<Session>(text);
    session->tokens.fill();
    RETURN_IF_ERROR(CheckNesting(session->tokens.getTokens(), options.max_nesting));
    AstBuilder builder(&session->input, options.max_nesting, options.types);
    return parse(session->parser, builder);
  } catch (const CancelParse&) {
    if (session && session->strategy->error()) {
      if (options.error_info) {
        options.error_info->syntax = true;
        options.error_info->token = session->strategy->token();
      }
      return *session->strategy->error();
    }
    return Status::Internal("parser stopped without an error");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("parser failure: ") + e.what());
  } catch (...) {
    return Status::Internal("parser failure");
  }
}

}  // namespace

Result<std::vector<Statement>> ParseStatements(std::string_view text, const ParseOptions& options) {
  return Run<std::vector<Statement>>(text, options, [](P& parser, AstBuilder& builder) {
    return builder.BuildScript(parser.script());
  });
}

Result<ExprPtr> ParseExpression(std::string_view text, const ParseOptions& options) {
  return Run<ExprPtr>(text, options, [](P& parser, AstBuilder& builder) {
    return builder.BuildSingleExpression(parser.singleExpression());
  });
}

}  // namespace eddy::dsl
