#include "engine/cli/repl_command.h"

#include <editline/readline.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "dsl/parser.h"
#include "engine/cli/remote_session.h"
#include "engine/cli/repl_backend.h"
#include "engine/cli/row_printer.h"
#include "engine/cli/session.h"
#include "engine/function/registry.h"
#include "engine/runtime/introspect.h"

namespace eddy {
namespace {

constexpr const char* kReplUsage = R"(usage: eddy repl [options]     (or `eddy` on a terminal)
       eddy repl --server http[s]://HOST:PORT [--user NAME] [--output table|json] [--set KEY=VALUE]

An interactive session on an engine of its own: over the embedded log in the state directory,
or on a Kafka cluster with --bootstrap-servers (as for eddy run). With --server, attached to a
running `eddy run` (or ksqlDB) over its REST API instead: every statement goes to the server.
Statements end with ';' and may span lines. Besides everything `eddy run` accepts: SHOW
STREAMS|TABLES|QUERIES|TOPICS|FUNCTIONS|PROPERTIES, DESCRIBE [EXTENDED] x, DESCRIBE FUNCTION f,
EXPLAIN query-id, TERMINATE query-id, PRINT topic [LIMIT n], SET / UNSET, RUN SCRIPT 'file',
DEFINE name = 'value' (then ${name} anywhere), UNDEFINE name, SPOOL 'file' / SPOOL OFF. A SELECT ... EMIT
CHANGES prints rows until LIMIT or Ctrl-C; a SELECT without EMIT CHANGES prints the current rows.
Ctrl-D leaves. With stdin not a terminal, statements are read from it; the exit code is 1 if any
failed (attached, a push query without LIMIT then ends when no row has come for 2 s).

options: --state-dir DIR, --config FILE, --set KEY=VALUE, --output table|json,
         --bootstrap-servers H:P, --service-id ID (as for eddy run)
         --server URL   attach to a running eddy: http://HOST:PORT (default port 8088), or
                        https:// when its API has TLS (the server's certificate is checked
                        against the system's, or SSL_CERT_FILE's); SET and --set properties
                        are sent with each request, as ksqlDB's CLI does
         --user NAME    HTTP basic authentication (eddy.yaml's server.users); the password is
                        read from EDDY_PASSWORD, else asked on the terminal
)";

std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted.store(true); }

// Whether `text` holds at least one complete statement: a ';' outside quotes and comments,
// followed by nothing but blanks and comments.
bool Complete(const std::string& text) {
  bool in_single = false, in_back = false, in_double = false, in_line_comment = false, in_block = false;
  bool saw_end = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char n = i + 1 < text.size() ? text[i + 1] : '\0';
    if (in_line_comment) {
      if (c == '\n') in_line_comment = false;
      continue;
    }
    if (in_block) {
      if (c == '*' && n == '/') in_block = false, ++i;
      continue;
    }
    if (in_single) { if (c == '\'') in_single = false; continue; }
    if (in_back) { if (c == '`') in_back = false; continue; }
    if (in_double) { if (c == '"') in_double = false; continue; }
    if (c == '-' && n == '-') { in_line_comment = true; continue; }
    if (c == '/' && n == '*') { in_block = true; ++i; continue; }
    if (c == '\'') in_single = true;
    else if (c == '`') in_back = true;
    else if (c == '"') in_double = true;
    if (c == ';') saw_end = true;
    else if (!std::isspace(static_cast<unsigned char>(c))) saw_end = false;
  }
  return saw_end && !in_single && !in_back && !in_double && !in_block;
}

// Splits a buffer into statements at ';' outside quotes and comments (each keeps its ';').
std::vector<std::string> SplitStatements(const std::string& text) {
  std::vector<std::string> out;
  bool in_single = false, in_back = false, in_double = false, in_line_comment = false, in_block = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char n = i + 1 < text.size() ? text[i + 1] : '\0';
    if (in_line_comment) { if (c == '\n') in_line_comment = false; continue; }
    if (in_block) { if (c == '*' && n == '/') in_block = false, ++i; continue; }
    if (in_single) { if (c == '\'') in_single = false; continue; }
    if (in_back) { if (c == '`') in_back = false; continue; }
    if (in_double) { if (c == '"') in_double = false; continue; }
    if (c == '-' && n == '-') { in_line_comment = true; continue; }
    if (c == '/' && n == '*') { in_block = true; ++i; continue; }
    if (c == '\'') in_single = true;
    else if (c == '`') in_back = true;
    else if (c == '"') in_double = true;
    else if (c == ';') {
      out.push_back(text.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (text.find_first_not_of(" \t\r\n", start) != std::string::npos) out.push_back(text.substr(start));
  return out;
}

// Copies everything written to a stream into a file as well (SPOOL).
class TeeBuf final : public std::streambuf {
 public:
  TeeBuf(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}

 protected:
  int overflow(int c) override {
    if (c == EOF) return !EOF;
    if (a_->sputc(static_cast<char>(c)) == EOF) return EOF;
    b_->sputc(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    b_->sputn(s, n);
    return a_->sputn(s, n);
  }
  int sync() override {
    b_->pubsync();
    return a_->pubsync();
  }

 private:
  std::streambuf* a_;
  std::streambuf* b_;
};

}  // namespace

void PrintStatementError(const std::string& text, int line, int column, const std::string& message) {
  if (line > 0) {
    // The offending line with a caret under the column.
    int at = 1;
    size_t start = 0;
    for (size_t i = 0; i < text.size() && at < line; ++i)
      if (text[i] == '\n') ++at, start = i + 1;
    size_t end = text.find('\n', start);
    std::string src = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::cout << src << "\n" << std::string(static_cast<size_t>(std::max(0, column - 1)), ' ') << "^\n";
    std::cout << fmt::format("line {}:{}: {}", line, column, message) << std::endl;
  } else {
    std::cout << message << std::endl;
  }
}

namespace {

// The REPL on an engine of its own: over the embedded log, or on a Kafka cluster.
class LocalBackend final : public ReplBackend {
 public:
  LocalBackend(Engine& engine, const ReplContext& context, bool kafka)
      : engine_(engine), printer_(std::cout, context.output), interactive_(context.interactive),
        interrupted_(*context.interrupted), kafka_(kafka) {}

  // RUN SCRIPT, when the parser finds one the REPL's own check did not (after a comment).
  void set_run_script(std::function<bool(const std::string&)> f) { run_script_ = std::move(f); }

  // Runs every statement of `text` (a complete buffer). Returns false if one failed.
  bool Run(const std::string& text) override {
    dsl::ParseOptions po;
    po.types = &engine_.catalog().types();
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text, po);
    if (!parsed.ok()) {
      ShowError(text, parsed.status());
      return false;
    }
    bool ok = true;
    for (auto& st : parsed.value()) {
      if (!RunStatement(text, std::make_shared<const dsl::Statement>(std::move(st)))) {
        ok = false;
        break;
      }
    }
    return ok;
  }

  std::vector<std::string> CompletionWords() override {
    std::vector<std::string> words;
    for (const auto& [name, def] : engine_.catalog().sources()) {
      words.push_back(name);
      for (const auto& c : def.schema.key) words.push_back(c.name);
      for (const auto& c : def.schema.value) words.push_back(c.name);
    }
    for (const auto& [id, q] : engine_.catalog().queries()) words.push_back(id);
    return words;
  }

  void Checkpoint() override { (void)engine_.Commit(); }

 private:
  static void ShowError(const std::string& text, const Status& st) {
    PrintStatementError(text, st.pos().known() ? st.pos().line : 0, st.pos().column, st.message());
  }
  // On Kafka, records written a moment ago may still be on their way: process until every
  // query has read its inputs to the end twice in a row (at most 10 s, or until Ctrl-C).
  void CatchUp() {
    if (!kafka_) return;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (int caught = 0; caught < 2 && !interrupted_.load() && std::chrono::steady_clock::now() < deadline;) {
      if (!engine_.RunUntilIdle(&interrupted_).ok()) return;
      caught = engine_.CaughtUp() ? caught + 1 : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  bool RunStatement(const std::string& text, std::shared_ptr<const dsl::Statement> st) {
    using K = dsl::Statement::Kind;
    CatchUp();
    if (IsIntrospection(*st)) {
      Result<TextTable> t = Introspect(engine_, *st);
      if (!t.ok()) return ShowError(text, t.status().WithPos(st->pos)), false;
      std::cout << RenderTable(t.value(), interactive_ ? TerminalColumns() : 0) << std::flush;
      return true;
    }
    if (st->kind == K::kSelect) return RunSelect(text, st);
    if (st->kind == K::kRunScript) return run_script_ && run_script_(st->run_script->path);
    size_t queries_before = engine_.catalog().queries().size();
    Status s = engine_.Execute(st);
    if (s.ok()) s = engine_.RunUntilIdle();
    if (!s.ok()) return ShowError(text, s.WithPos(st->pos)), false;
    switch (st->kind) {
      case K::kCreateSource: std::cout << (st->create_source->is_table ? "Table" : "Stream") << " created\n"; break;
      case K::kCreateAsSelect:
      case K::kInsertInto:
        if (engine_.catalog().queries().size() > queries_before || st->kind == K::kCreateAsSelect)
          std::cout << "Created query " << LastQueryId() << "\n";
        break;
      case K::kDrop: std::cout << "Source " << st->drop->name << " was dropped.\n"; break;
      case K::kSet: std::cout << "Successfully changed local property.\n"; break;
      case K::kTerminate: std::cout << "Query terminated.\n"; break;
      default: break;
    }
    std::cout << std::flush;
    return true;
  }

  std::string LastQueryId() {
    std::string id;
    for (const auto& [qid, q] : engine_.catalog().queries()) id = qid;
    return id;
  }

  // Push queries print until LIMIT or Ctrl-C (or, read from a script, until idle); a SELECT
  // without EMIT CHANGES prints the current rows: the changes from the start, the latest per key.
  bool RunSelect(const std::string& text, std::shared_ptr<const dsl::Statement> st) {
    const dsl::Query& q = st->select->query;
    bool push = q.emit == dsl::EmitKind::kChanges;
    int64_t limit = q.limit.value_or(-1);
    int64_t printed = 0;
    std::map<std::string, std::pair<Schema, Record>> latest;
    std::vector<std::string> order;
    bool done = false;
    printer_.set_max_width(interactive_ ? TerminalColumns() : 0);
    engine_.set_row_callback([&](const std::string& id, const Schema& schema, const Record& row) {
      if (done) return;
      if (push) {
        printer_.Print(id, schema, row);
        if (limit >= 0 && ++printed >= limit) done = true;
        return;
      }
      std::string key;
      for (const auto& k : row.key) key += k.DebugString() + "\x1f";
      if (!latest.count(key)) order.push_back(key);
      latest[key] = {schema, row};
    });
    // A pull query reads the table's current rows and runs nothing else.
    Status s = push ? engine_.Execute(st) : engine_.Pull(st);
    if (!s.ok()) {
      engine_.set_row_callback(nullptr);
      return ShowError(text, s.WithPos(st->pos)), false;
    }
    interrupted_.store(false);
    // Read from a script, a push query ends when its inputs are read to the end (on Kafka: twice
    // in a row, at most 10 s, as records may still be on their way).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int caught_up = 0;
    while (push && !done && !interrupted_.load()) {
      s = engine_.RunUntilIdle(&interrupted_);
      if (!s.ok()) break;
      if (!interactive_) {
        caught_up = engine_.CaughtUp() ? caught_up + 1 : 0;
        if (!kafka_ || caught_up >= 2 || std::chrono::steady_clock::now() >= deadline) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    engine_.StopTransientQueries();
    engine_.set_row_callback(nullptr);
    if (!s.ok()) return ShowError(text, s), false;
    if (!push) {
      std::vector<Record> rows;
      const Schema* schema = nullptr;
      for (const auto& key : order) {
        const auto& [row_schema, row] = latest[key];
        if (!row.value) continue;
        if (limit >= 0 && static_cast<int64_t>(rows.size()) >= limit) break;
        schema = &row_schema;
        rows.push_back(row);
      }
      if (schema) printer_.PrintAll(*schema, rows);
      std::cout << rows.size() << (rows.size() == 1 ? " row\n" : " rows\n");
    } else if (interrupted_.load()) {
      std::cout << "Query terminated\n";
    } else if (done) {
      std::cout << "Limit Reached\nQuery terminated\n";
    }
    interrupted_.store(false);
    std::cout << std::flush;
    return true;
  }

  Engine& engine_;
  RowPrinter printer_;
  bool interactive_;
  std::atomic<bool>& interrupted_;
  bool kafka_;
  std::function<bool(const std::string&)> run_script_;
};

// What the ksql CLI does beside SQL, whichever backend runs the statements: DEFINE / UNDEFINE
// and ${name} substitution, SPOOL, RUN SCRIPT.
class Repl {
 public:
  Repl(ReplBackend& backend, bool interactive) : backend_(backend), interactive_(interactive) {}
  ~Repl() { SpoolOff(); }

  // Handles the session commands ksqlDB's CLI has beside SQL — DEFINE name = 'value',
  // UNDEFINE name, SPOOL 'file' | SPOOL OFF, RUN SCRIPT 'file' — and ${name} substitution; the
  // backend runs the rest.
  bool RunBuffer(const std::string& text) {
    bool ok = true;
    for (const std::string& piece : SplitStatements(text)) {
      std::smatch m;
      static const std::regex kDefine(R"(^\s*DEFINE\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'((?:[^']|'')*)'\s*;?\s*$)",
                                      std::regex::icase);
      static const std::regex kUndefine(R"(^\s*UNDEFINE\s+([A-Za-z_][A-Za-z0-9_]*)\s*;?\s*$)", std::regex::icase);
      static const std::regex kSpool(R"(^\s*SPOOL\s+(OFF|'([^']*)')\s*;?\s*$)", std::regex::icase);
      static const std::regex kRunScript(R"(^\s*RUN\s+SCRIPT\s+'((?:[^']|'')*)'\s*;?\s*$)", std::regex::icase);
      if (std::regex_match(piece, m, kDefine)) {
        std::string v = m[2].str();
        for (size_t p = 0; (p = v.find("''", p)) != std::string::npos; ++p) v.erase(p, 1);
        variables_[m[1].str()] = v;
        continue;
      }
      if (std::regex_match(piece, m, kUndefine)) {
        variables_.erase(m[1].str());
        continue;
      }
      if (std::regex_match(piece, m, kSpool)) {
        SpoolOff();
        if (m[2].matched) {
          spool_.open(m[2].str(), std::ios::app);
          if (!spool_) {
            std::cout << "Cannot write " << m[2].str() << std::endl;
            ok = false;
            continue;
          }
          tee_ = std::make_unique<TeeBuf>(std::cout.rdbuf(), spool_.rdbuf());
          saved_ = std::cout.rdbuf(tee_.get());
        }
        continue;
      }
      std::string expanded;
      if (!Substitute(piece, &expanded)) {
        ok = false;
        continue;
      }
      if (std::regex_match(expanded, m, kRunScript)) {
        std::string path = m[1].str();
        for (size_t p = 0; (p = path.find("''", p)) != std::string::npos; ++p) path.erase(p, 1);
        ok = RunScript(path) && ok;
      } else {
        ok = backend_.Run(expanded) && ok;
      }
      if (!ok && !interactive_) break;
    }
    return ok;
  }

  // Runs the statements of a file (RUN SCRIPT).
  bool RunScript(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
      std::cout << "Cannot read script " << path << std::endl;
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return RunBuffer(ss.str());
  }

 private:
  // Replaces ${name} with the value DEFINE gave it; an undefined name is an error.
  bool Substitute(const std::string& in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '{') {
        size_t end = in.find('}', i + 2);
        if (end != std::string::npos) {
          std::string name = in.substr(i + 2, end - i - 2);
          auto it = variables_.find(name);
          if (it == variables_.end()) {
            std::cout << "Variable '" << name << "' is not defined (DEFINE " << name << " = '...';)" << std::endl;
            return false;
          }
          *out += it->second;
          i = end;
          continue;
        }
      }
      out->push_back(in[i]);
    }
    return true;
  }

  void SpoolOff() {
    if (saved_) {
      std::cout.flush();
      std::cout.rdbuf(saved_);
      saved_ = nullptr;
    }
    tee_.reset();
    if (spool_.is_open()) spool_.close();
  }


  ReplBackend& backend_;
  bool interactive_;
  std::map<std::string, std::string> variables_;
  std::ofstream spool_;
  std::unique_ptr<TeeBuf> tee_;
  std::streambuf* saved_ = nullptr;
};

// Tab completion: keywords, stream and table names, their columns, functions and properties.
ReplBackend* g_completion_backend = nullptr;
std::vector<std::string> g_candidates;

const char* const kKeywords[] = {
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "EMIT", "CHANGES", "FINAL", "LIMIT", "CREATE", "STREAM",
    "TABLE", "AS", "WITH", "INSERT", "INTO", "VALUES", "DROP", "DELETE", "TOPIC", "JOIN", "LEFT", "INNER", "FULL",
    "OUTER", "ON", "WITHIN", "WINDOW", "TUMBLING", "HOPPING", "SESSION", "SIZE", "ADVANCE", "GRACE", "PERIOD",
    "PARTITION", "SHOW", "LIST", "STREAMS", "TABLES", "QUERIES", "TOPICS", "FUNCTIONS", "PROPERTIES", "DESCRIBE",
    "EXTENDED", "FUNCTION", "EXPLAIN", "TERMINATE", "PRINT", "BEGINNING", "SET", "UNSET", "DEFINE", "UNDEFINE",
    "RUN", "SCRIPT", "SPOOL", "OFF", "KEY", "PRIMARY", "CAST", "CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR",
    "NOT", "NULL", "IS", "IN", "LIKE", "BETWEEN", "KAFKA_TOPIC", "VALUE_FORMAT", "KEY_FORMAT", "PARTITIONS",
    "TIMESTAMP", "VARCHAR", "STRING", "INT", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "DECIMAL", "ARRAY", "MAP",
    "STRUCT", "BYTES", "DATE", "TIME"};

char* NextCandidate(const char* text, int state) {
  static size_t index;
  if (state == 0) {
    index = 0;
    g_candidates.clear();
    std::string prefix(text);
    std::string upper = prefix;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool lower = !prefix.empty() && std::islower(static_cast<unsigned char>(prefix[0]));
    auto offer = [&](const std::string& word) {
      if (word.rfind(upper, 0) != 0) return;
      std::string w = word;
      if (lower)
        for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (std::find(g_candidates.begin(), g_candidates.end(), w) == g_candidates.end()) g_candidates.push_back(w);
    };
    for (const char* k : kKeywords) offer(k);
    if (g_completion_backend)
      for (const auto& word : g_completion_backend->CompletionWords()) offer(word);
    for (const auto& [name, f] : FunctionRegistry::Builtins().scalars()) offer(name);
    for (const auto& [name, f] : FunctionRegistry::Builtins().aggregates()) offer(name);
    for (const auto& [name, f] : FunctionRegistry::Builtins().tables()) offer(name);
    for (const char* p : {"'auto.offset.reset'", "'ksql.persistence.default.format.value'"})
      if (std::string(p).rfind(prefix, 0) == 0) g_candidates.push_back(p);
  }
  if (index >= g_candidates.size()) return nullptr;
  return strdup(g_candidates[index++].c_str());
}

char** Complete(const char* text, int, int) {
  rl_attempted_completion_over = 1;  // no file-name completion
  return rl_completion_matches(text, NextCandidate);
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + "/.eddy_history" : std::string();
}

// The password for --user: EDDY_PASSWORD, else asked on the terminal without echo.
Result<std::string> Password(const std::string& user) {
  if (const char* p = std::getenv("EDDY_PASSWORD")) return std::string(p);
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::Invalid("--user needs a password: set EDDY_PASSWORD (there is no terminal to ask on)");
  std::string prompt = "Password for " + user + ": ";
  (void)!::write(fd, prompt.data(), prompt.size());
  termios saved{};
  bool tty = ::tcgetattr(fd, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string password;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') password.push_back(c);
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return password;
}

}  // namespace

int RunReplCommand(const std::vector<std::string>& args, bool interactive) {
  CommonOptions o;
  std::string server, user;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    switch (ParseCommonFlag(args, i, o, &error)) {
      case FlagResult::kConsumed: continue;
      case FlagResult::kError:
        std::cerr << "eddy repl: " << error << "\n" << kReplUsage;
        return 2;
      case FlagResult::kNotCommon: break;
    }
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kReplUsage;
      return 0;
    }
    std::string flag = args[i].substr(0, args[i].find('='));
    if (flag == "--server" || flag == "--user") {
      std::string& target = flag == "--server" ? server : user;
      if (args[i].size() > flag.size()) target = args[i].substr(flag.size() + 1);
      else if (i + 1 < args.size()) target = args[++i];
      if (target.empty()) {
        std::cerr << "eddy repl: " << flag << (flag == "--server" ? " needs a URL (http[s]://HOST:PORT)" : " needs a name")
                  << "\n" << kReplUsage;
        return 2;
      }
      continue;
    }
    std::cerr << "eddy repl: unknown option " << args[i] << "\n" << kReplUsage;
    return 2;
  }
  if (!user.empty() && server.empty()) {
    std::cerr << "eddy repl: --user goes with --server URL\n";
    return 2;
  }
  if (!server.empty() && (!o.bootstrap_servers.empty() || o.explicit_state)) {
    std::cerr << "eddy repl: --server attaches to a running eddy: --bootstrap-servers and --state-dir are its own\n";
    return 2;
  }
  Status st = ApplyConfig(o);
  if (!st.ok()) {
    std::cerr << "eddy repl: " << st.message() << "\n";
    return 2;
  }
  ReplContext context;
  context.output = o.output;
  context.interactive = interactive;
  context.interrupted = &g_interrupted;

  // Attached to a running eddy over its REST API; or an engine of its own, embedded or on a
  // Kafka cluster with the same flags and eddy.yaml as `eddy run`.
  std::unique_ptr<ReplBackend> backend;
  std::string banner = "eddy";
  EmbeddedSession embedded;
  KafkaSession on_kafka;
  if (!server.empty()) {
    RemoteOptions ro;
    ro.url = server;
    ro.user = user;
    ro.properties = o.properties;
    if (!user.empty()) {
      Result<std::string> password = Password(user);
      if (!password.ok()) {
        std::cerr << "eddy repl: " << password.status().message() << "\n";
        return 2;
      }
      ro.password = std::move(password).value();
    }
    Result<std::unique_ptr<ReplBackend>> remote = OpenRemoteBackend(ro, context, &banner);
    if (!remote.ok()) {
      std::cerr << "eddy repl: " << remote.status().message() << "\n";
      return 1;
    }
    backend = std::move(remote).value();
  } else {
    const bool kafka = !o.bootstrap_servers.empty() || o.kafka.count("bootstrap.servers");
    if (kafka) {
      auto session = OpenKafkaSession(o);
      if (!session.ok()) {
        std::cerr << "eddy repl: " << session.status().message() << "\n";
        return 1;
      }
      on_kafka = std::move(session).value();
    } else {
      auto session = OpenEmbeddedSession(o);
      if (!session.ok()) {
        std::cerr << "eddy repl: " << session.status().message() << "\n";
        return 1;
      }
      embedded = std::move(session).value();
    }
    Engine& engine = kafka ? *on_kafka.engine : *embedded.engine;
    engine.processing_log().set_keep(false);
    engine.processing_log().set_sink([](const ProcessingLogEntry& e) {
      std::cerr << fmt::format("processing log: {}: {} partition {} offset {}: {}\n", e.query_id, e.topic, e.partition,
                               e.offset, e.message);
    });
    backend = std::make_unique<LocalBackend>(engine, context, kafka);
  }
  Repl repl(*backend, interactive);
  if (auto* lb = dynamic_cast<LocalBackend*>(backend.get()))
    lb->set_run_script([&repl](const std::string& path) { return repl.RunScript(path); });
  bool all_ok = true;
  if (!interactive) {
    std::string buffer, line;
    while (std::getline(std::cin, line)) {
      buffer += line + "\n";
      if (Complete(buffer)) {
        all_ok = repl.RunBuffer(buffer) && all_ok;
        buffer.clear();
      }
    }
    if (buffer.find_first_not_of(" \t\r\n") != std::string::npos) all_ok = repl.RunBuffer(buffer) && all_ok;
    backend->Checkpoint();
    return all_ok ? 0 : 1;
  }
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  std::string history = HistoryPath();
  using_history();
  g_completion_backend = backend.get();
  rl_attempted_completion_function = Complete;
  if (!history.empty()) read_history(history.c_str());
  if (!server.empty()) std::cout << banner << "\n";
  std::cout << "eddy — type a statement ending in ';', `help;` for help, Ctrl-D to leave.\n" << std::flush;
  std::string buffer;
  while (true) {
    g_interrupted.store(false);
    char* raw = readline(buffer.empty() ? "eddy> " : "   -> ");
    if (!raw) {
      if (g_interrupted.load()) {  // Ctrl-C at the prompt: drop the statement being typed
        buffer.clear();
        std::cout << "\n";
        continue;
      }
      std::cout << "\n";
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (buffer.empty() && (line == "help;" || line == "help")) {
      std::cout << kReplUsage;
      continue;
    }
    if (buffer.empty() && (line == "exit" || line == "quit" || line == "exit;" || line == "quit;")) break;
    buffer += line + "\n";
    if (!Complete(buffer)) continue;
    std::string entry = buffer.substr(0, buffer.size() - 1);
    add_history(entry.c_str());
    repl.RunBuffer(buffer);
    buffer.clear();
    backend->Checkpoint();
  }
  if (!history.empty()) write_history(history.c_str());
  g_completion_backend = nullptr;
  backend->Checkpoint();
  return 0;
}

}  // namespace eddy
