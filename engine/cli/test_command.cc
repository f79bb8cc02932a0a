#include "engine/cli/test_command.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "engine/cli/golden.h"
#include "engine/common/json.h"

namespace eddy {
namespace {

namespace fs = std::filesystem;
using golden::CaseResult;
using golden::TestCase;

constexpr const char* kTestUsage = R"(usage: eddy test [options] PATH...

Runs golden tests: ksqlDB QTT files (.json) and run-ksql-test files (.sql). A directory means
every such file below it.

options:
  --ledger FILE    cases listed here may fail (counted as skipped); one a line:
                   FILE.json :: CASE NAME :: REASON
  --report FILE    write one JSON object per case (JSON Lines) as the run goes
  --filter TEXT    run only the cases whose name contains TEXT
  --restart        run each ksqlDB case through a restart: the first half of its inputs, then
                   a commit, a new engine on the same state, and the rest
  --timeout SECS   a case running longer fails (default 60)
  --help           this text
)";

struct Options {
  std::vector<std::string> paths;
  std::string ledger;
  std::string report;
  std::string filter;
  bool restart = false;
  int timeout_seconds = 60;
};

std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths, std::vector<std::string>& errors) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        if (!e.is_regular_file()) continue;
        auto ext = e.path().extension().string();
        if (ext == ".json" || ext == ".sql") found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      errors.push_back(fmt::format("{}: no such file or directory", p));
    }
  }
  return files;
}

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

// Ledger lines: "FILE :: CASE :: REASON"; '#' starts a comment line.
std::map<std::string, std::string> LoadLedger(const std::string& path, bool* ok) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  *ok = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    size_t a = line.find(" :: ");
    if (a == std::string::npos) continue;
    size_t b = line.find(" :: ", a + 4);
    std::string file = Trim(line.substr(0, a));
    std::string name = Trim(b == std::string::npos ? line.substr(a + 4) : line.substr(a + 4, b - a - 4));
    std::string reason = b == std::string::npos ? "" : Trim(line.substr(b + 4));
    out[file + " :: " + name] = reason;
  }
  return out;
}

// Runs a case in a child process so that a crash or a hang fails that case only.
CaseResult RunIsolated(const TestCase& c, int timeout_seconds) {
  int fds[2];
  if (pipe(fds) != 0) return golden::RunCase(c);
  std::cout.flush();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return golden::RunCase(c);
  }
  if (pid == 0) {
    close(fds[0]);
    CaseResult r = golden::RunCase(c);
    std::string msg(1, static_cast<char>(r.outcome));
    msg += r.message;
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int pr = poll(&pfd, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      if (pr == 0) break;
      break;
    }
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return CaseResult{CaseResult::Outcome::kFail, fmt::format("timed out after {} s", timeout_seconds)};
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    return CaseResult{CaseResult::Outcome::kFail,
                      fmt::format("crashed with signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)))};
  }
  if (data.empty()) return CaseResult{CaseResult::Outcome::kFail, "the case ended without a result"};
  return CaseResult{static_cast<CaseResult::Outcome>(data[0]), data.substr(1)};
}

}  // namespace

int RunTestCommand(const std::vector<std::string>& args) {
  Options opt;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << "eddy test: " << name << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kTestUsage;
      return 0;
    } else if (a == "--ledger") {
      opt.ledger = value("--ledger");
    } else if (a == "--report") {
      opt.report = value("--report");
    } else if (a == "--restart") {
      opt.restart = true;
    } else if (a == "--filter") {
      opt.filter = value("--filter");
    } else if (a == "--timeout") {
      opt.timeout_seconds = std::max(1, std::atoi(value("--timeout").c_str()));
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "eddy test: unknown option " << a << "\n" << kTestUsage;
      return 2;
    } else {
      opt.paths.push_back(a);
    }
  }
  if (opt.paths.empty()) {
    std::cerr << kTestUsage;
    return 2;
  }
  std::map<std::string, std::string> ledger;
  if (!opt.ledger.empty()) {
    bool ok = false;
    ledger = LoadLedger(opt.ledger, &ok);
    if (!ok) {
      std::cerr << "eddy test: cannot read ledger " << opt.ledger << "\n";
      return 2;
    }
  }
  std::ofstream report;
  if (!opt.report.empty()) {
    report.open(opt.report, std::ios::trunc);
    if (!report) {
      std::cerr << "eddy test: cannot write " << opt.report << "\n";
      return 2;
    }
  }
  std::vector<std::string> errors;
  std::vector<std::string> files = ExpandPaths(opt.paths, errors);
  int passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> leave_ledger;
  std::set<std::string> seen_ledger;
  auto write_report = [&](const std::string& file, const std::string& name, const char* status,
                          const std::string& message) {
    if (!report) return;
    std::string line = "{\"file\":";
    AppendJsonString(file, line);
    line += ",\"name\":";
    AppendJsonString(name, line);
    line += fmt::format(",\"status\":\"{}\",\"message\":", status);
    AppendJsonString(message, line);
    line += "}\n";
    report << line;
    report.flush();
  };
  for (const auto& e : errors) {
    std::cout << "FAIL " << e << "\n";
    ++failed;
  }
  for (const auto& file : files) {
    bool sql = fs::path(file).extension() == ".sql";
    Result<std::vector<TestCase>> cases = sql ? golden::LoadSqlTestFile(file) : golden::LoadQttFile(file);
    std::string base = fs::path(file).filename().string();
    if (!cases.ok()) {
      std::cout << "FAIL " << file << ": " << cases.status().ToString() << "\n";
      write_report(file, "", "fail", cases.status().ToString());
      ++failed;
      continue;
    }
    for (TestCase& c : cases.value()) {
      if (!opt.filter.empty() && c.name.find(opt.filter) == std::string::npos) continue;
      c.through_restart = opt.restart;
      std::string key = base + " :: " + Trim(c.name);
      auto in_ledger = ledger.find(key);
      if (in_ledger != ledger.end()) seen_ledger.insert(key);
      CaseResult r = c.enabled ? RunIsolated(c, opt.timeout_seconds) : golden::RunCase(c);
      switch (r.outcome) {
        case CaseResult::Outcome::kPass:
          ++passed;
          if (in_ledger != ledger.end()) leave_ledger.push_back(key);
          write_report(file, c.name, "pass", "");
          break;
        case CaseResult::Outcome::kSkip:
          ++skipped;
          write_report(file, c.name, "skip", r.message);
          break;
        case CaseResult::Outcome::kFail:
          if (in_ledger != ledger.end()) {
            ++skipped;
            write_report(file, c.name, "skip", "in the ledger: " + in_ledger->second + "\n" + r.message);
          } else {
            ++failed;
            std::cout << "FAIL " << file << " :: " << c.name << "\n" << r.message << "\n";
            write_report(file, c.name, "fail", r.message);
          }
          break;
      }
    }
  }
  for (const auto& k : leave_ledger) std::cout << "ready to leave the ledger (passes now): " << k << "\n";
  std::cout << fmt::format("{} passed, {} failed, {} skipped", passed, failed, skipped) << std::endl;
  return failed > 0 ? 1 : 0;
}

}  // namespace eddy
