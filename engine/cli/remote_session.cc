#include "engine/cli/remote_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <regex>

#include "dsl/parser.h"
#include "engine/cli/http_client.h"
#include "engine/common/json.h"
#include "engine/function/text_codec.h"
#include "engine/runtime/introspect.h"

namespace eddy {
namespace {

// Read from a script, a push query without LIMIT ends when no row has come for this long (the
// embedded REPL ends it when its inputs are read to the end, which a client cannot see).
constexpr auto kScriptPushIdle = std::chrono::seconds(2);
// A statement's answer may take a while (a CREATE ... AS SELECT over a long topic), not forever.
constexpr int kStatementTimeoutMs = 300000;

const std::string& StringAt(const JsonValue& obj, std::string_view key) {
  static const std::string kEmpty;
  const JsonValue* v = obj.is_object() ? obj.Find(key) : nullptr;
  return v && v->is_string() ? v->as_string() : kEmpty;
}

const std::vector<JsonValue>& ItemsAt(const JsonValue& obj, std::string_view key) {
  static const std::vector<JsonValue> kNone;
  const JsonValue* v = obj.is_object() ? obj.Find(key) : nullptr;
  return v && v->is_array() ? v->items() : kNone;
}

// A cell as the embedded REPL shows it: strings bare, null as `null`, the rest as JSON.
std::string Cell(const JsonValue& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_null()) return "null";
  return WriteJson(v);
}

// The text of a schema in ksqlDB's entity form: {"type", "fields", "memberSchema", "parameters"}.
std::string TypeText(const JsonValue& schema) {
  const std::string& type = StringAt(schema, "type");
  if (type == "ARRAY") return fmt::format("ARRAY<{}>", TypeText(schema.is_object() && schema.Find("memberSchema") ? *schema.Find("memberSchema") : JsonValue()));
  if (type == "MAP") return fmt::format("MAP<STRING, {}>", TypeText(schema.is_object() && schema.Find("memberSchema") ? *schema.Find("memberSchema") : JsonValue()));
  if (type == "STRUCT") {
    std::string out = "STRUCT<";
    const auto& fields = ItemsAt(schema, "fields");
    for (size_t i = 0; i < fields.size(); ++i) {
      const JsonValue* s = fields[i].Find("schema");
      out += fmt::format("{}`{}` {}", i ? ", " : "", StringAt(fields[i], "name"), s ? TypeText(*s) : "?");
    }
    return out + ">";
  }
  if (type == "DECIMAL") {
    const JsonValue* p = schema.Find("parameters");
    if (p && p->is_object() && p->Find("precision") && p->Find("scale"))
      return fmt::format("DECIMAL({}, {})", Cell(*p->Find("precision")), Cell(*p->Find("scale")));
  }
  return type.empty() ? "?" : type;
}

// DESCRIBE's answer as the embedded REPL draws it: the fields, then what else is known.
TextTable DescribeTable(const JsonValue& d) {
  TextTable t;
  t.columns = {"Field", "Type"};
  bool table = StringAt(d, "type") == "TABLE";
  for (const auto& f : ItemsAt(d, "fields")) {
    const JsonValue* schema = f.Find("schema");
    std::string type = schema ? TypeText(*schema) : "?";
    if (StringAt(f, "type") == "KEY") type += table ? " (primary key)" : " (key)";
    t.rows.push_back({StringAt(f, "name"), type});
  }
  const JsonValue* partitions = d.Find("partitions");
  t.note = fmt::format("Name: {}\nType: {}\nKafka topic: {} (partitions: {})\nKey format: {}\nValue format: {}\n",
                       StringAt(d, "name"), StringAt(d, "type"), StringAt(d, "topic"),
                       partitions ? Cell(*partitions) : "?", StringAt(d, "keyFormat"), StringAt(d, "valueFormat"));
  if (!StringAt(d, "timestamp").empty()) t.note += "Timestamp column: " + StringAt(d, "timestamp") + "\n";
  const JsonValue* extended = d.Find("extended");
  if (extended && extended->is_bool() && extended->as_bool()) {
    auto ids = [&](std::string_view key) {
      std::string out;
      for (const auto& q : ItemsAt(d, key)) out += (out.empty() ? "" : ", ") + StringAt(q, "id");
      return out.empty() ? std::string("none") : out;
    };
    t.note += "Queries that write into it: " + ids("writeQueries") + "\n";
    t.note += "Queries that read from it: " + ids("readQueries") + "\n";
    std::string stats = StringAt(d, "statistics");
    while (!stats.empty() && stats.back() == ' ') stats.pop_back();
    if (!stats.empty()) t.note += "Statistics: " + stats + "\n";
    if (!StringAt(d, "statement").empty()) t.note += "Statement: " + StringAt(d, "statement") + "\n";
  }
  return t;
}

// The message of an error answer ({"@type": ..., "error_code", "message"}), else its text.
std::string ErrorMessage(int status, const std::string& body) {
  Result<JsonValue> j = ParseJson(body);
  if (j.ok() && j.value().is_object() && j.value().Find("message") && j.value().Find("message")->is_string())
    return j.value().Find("message")->as_string();
  std::string text = body.substr(0, 300);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, text);
}

class RemoteBackend final : public ReplBackend {
 public:
  RemoteBackend(HttpClient client, const ReplContext& context, std::map<std::string, std::string> properties)
      : client_(std::move(client)), context_(context), printer_(std::cout, context.output),
        properties_(std::move(properties)) {}

  bool Run(const std::string& text) override {
    // Parsed here only to tell queries from statements and to keep SET; a text that does not
    // parse goes to the server, whose answer (with its position) is the one that counts.
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text);
    if (!parsed.ok()) return RunStatement(text);
    bool ok = true;
    for (const dsl::Statement& st : parsed.value()) {
      const std::string one = parsed.value().size() == 1 ? text : st.text + ";";
      using K = dsl::Statement::Kind;
      if (st.kind == K::kSet) {  // as ksqlDB's CLI: kept here, sent with every request
        if (st.set->unset) properties_.erase(st.set->name);
        else properties_[st.set->name] = st.set->value;
        std::cout << "Successfully changed local property." << std::endl;
        continue;
      }
      ok = st.kind == K::kSelect || st.kind == K::kPrint ? RunQuery(one, st) : RunStatement(one);
      if (!ok) break;
    }
    return ok;
  }

  std::vector<std::string> CompletionWords() override {
    std::vector<std::string> words;
    Result<HttpAnswer> a =
        client_.Call("POST", "/ksql", RequestBody("ksql", "DESCRIBE STREAMS; DESCRIBE TABLES; SHOW QUERIES;"),
                     "application/json", 2000);
    if (!a.ok() || a.value().status != 200) return words;
    Result<JsonValue> j = ParseJson(a.value().body);
    if (!j.ok() || !j.value().is_array()) return words;
    for (const auto& entity : j.value().items()) {
      for (const auto& d : ItemsAt(entity, "sourceDescriptions")) {
        words.push_back(StringAt(d, "name"));
        for (const auto& f : ItemsAt(d, "fields")) words.push_back(StringAt(f, "name"));
      }
      for (const auto& q : ItemsAt(entity, "queries")) words.push_back(StringAt(q, "id"));
    }
    return words;
  }

 private:
  std::string RequestBody(const char* text_key, const std::string& text) const {
    JsonValue props = JsonValue::Object();
    for (const auto& [k, v] : properties_) props.Set(k, JsonValue::String(v));
    return WriteJson(JsonValue::Object({{text_key, JsonValue::String(text)},
                                        {std::string(text_key) == "sql" ? "properties" : "streamsProperties", props}}));
  }

  bool Interrupted() const { return context_.interrupted && context_.interrupted->load(); }

  // An error answer: at its line and column when the message starts "line L:C: ".
  void ShowServerError(const std::string& text, int status, const std::string& body) {
    std::string message = ErrorMessage(status, body);
    static const std::regex kPositioned(R"(^line (\d+):(\d+): ([\s\S]*)$)");
    std::smatch m;
    if (std::regex_match(message, m, kPositioned)) {
      PrintStatementError(text, std::stoi(m[1].str()), std::stoi(m[2].str()), m[3].str());
      return;
    }
    if (status == 401) message += " (the server wants --user NAME, the password in EDDY_PASSWORD)";
    PrintStatementError(text, 0, 0, message);
  }

  void ShowTransportError(const Status& s) { std::cout << s.message() << std::endl; }

  bool RunStatement(const std::string& text) {
    Result<HttpAnswer> a = client_.Call("POST", "/ksql", RequestBody("ksql", text), "application/json",
                                        kStatementTimeoutMs, [this] { return Interrupted(); });
    if (context_.interrupted) context_.interrupted->store(false);
    if (!a.ok()) return ShowTransportError(a.status()), false;
    if (a.value().status != 200) return ShowServerError(text, a.value().status, a.value().body), false;
    Result<JsonValue> j = ParseJson(a.value().body);
    if (!j.ok() || !j.value().is_array()) {
      std::cout << "The server's answer is not a list of entities: " << a.value().body.substr(0, 300) << std::endl;
      return false;
    }
    for (const auto& entity : j.value().items()) Render(entity);
    std::cout << std::flush;
    return true;
  }

  // A row as the embedded REPL's --output json prints it: {"COLUMN": value, ...} on one line.
  static void PrintJsonRow(const std::vector<std::string>& names, const JsonValue& row) {
    std::string out = "{";
    for (size_t i = 0; i < row.items().size(); ++i) {
      if (i) out += ",";
      AppendJsonString(i < names.size() ? names[i] : fmt::format("COL{}", i), out);
      out += ":" + WriteJson(row.items()[i]);
    }
    std::cout << out << "}\n" << std::flush;
  }

  void PrintTable(const TextTable& t) { std::cout << RenderTable(t, context_.interactive ? TerminalColumns() : 0); }

  // One of ksqlDB's entities, drawn as the embedded REPL draws the same answer.
  void Render(const JsonValue& e) {
    const std::string& type = StringAt(e, "@type");
    TextTable t;
    if (type == "currentStatus") {
      const JsonValue* cs = e.Find("commandStatus");
      std::cout << (cs ? StringAt(*cs, "message") : std::string()) << "\n";
    } else if (type == "streams" || type == "tables") {
      bool tables = type == "tables";
      t.columns = {tables ? "Table Name" : "Stream Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"};
      for (const auto& s : ItemsAt(e, type)) {
        const JsonValue* w = s.Find("isWindowed");
        t.rows.push_back({StringAt(s, "name"), StringAt(s, "topic"), StringAt(s, "keyFormat"), StringAt(s, "valueFormat"),
                          w ? Cell(*w) : "false"});
      }
      PrintTable(t);
    } else if (type == "queries") {
      t.columns = {"Query ID", "Status", "Sink Name", "Query String"};
      for (const auto& q : ItemsAt(e, "queries")) {
        std::string sinks;
        for (const auto& s : ItemsAt(q, "sinks")) sinks += (sinks.empty() ? "" : ", ") + Cell(s);
        t.rows.push_back({StringAt(q, "id"), StringAt(q, "state"), sinks, StringAt(q, "queryString")});
      }
      PrintTable(t);
    } else if (type == "kafka_topics") {
      t.columns = {"Kafka Topic", "Partitions"};
      for (const auto& topic : ItemsAt(e, "topics"))
        t.rows.push_back({StringAt(topic, "name"), std::to_string(ItemsAt(topic, "replicaInfo").size())});
      PrintTable(t);
    } else if (type == "function_names") {
      t.columns = {"Function Name", "Type"};
      for (const auto& f : ItemsAt(e, "functions")) t.rows.push_back({StringAt(f, "name"), StringAt(f, "type")});
      PrintTable(t);
    } else if (type == "properties") {
      t.columns = {"Property", "Value", "Set by"};
      std::vector<std::string> defaults;
      for (const auto& d : ItemsAt(e, "defaultProperties")) defaults.push_back(Cell(d));
      for (const auto& p : ItemsAt(e, "properties")) {
        const std::string& name = StringAt(p, "name");
        bool is_default = std::find(defaults.begin(), defaults.end(), name) != defaults.end();
        const JsonValue* v = p.Find("value");
        t.rows.push_back({name, v ? Cell(*v) : "", is_default ? "default" : "set"});
      }
      PrintTable(t);
    } else if (type == "sourceDescription" && e.Find("sourceDescription")) {
      PrintTable(DescribeTable(*e.Find("sourceDescription")));
    } else if (type == "source_descriptions") {
      for (const auto& d : ItemsAt(e, "sourceDescriptions")) {
        PrintTable(DescribeTable(d));
        std::cout << "\n";
      }
    } else if (type == "describe_function") {
      std::cout << StringAt(e, "description");
    } else if (type == "queryDescription" && e.Find("queryDescription")) {
      std::cout << StringAt(*e.Find("queryDescription"), "topology");
    } else {
      std::cout << WriteJsonPretty(e) << "\n";  // an entity this client does not know: as sent
    }
    for (const auto& w : ItemsAt(e, "warnings"))
      if (!StringAt(w, "message").empty()) std::cout << "WARNING: " << StringAt(w, "message") << "\n";
  }

  // A SELECT over /query-stream: the header line, then one JSON array a line. A push query's
  // rows are printed as they arrive, until LIMIT, Ctrl-C (the connection is closed, which ends
  // the query on the server) or the server ends it; a pull query's answer as one table.
  bool RunQuery(const std::string& text, const dsl::Statement& st) {
    bool push = st.kind == dsl::Statement::Kind::kSelect && st.select->query.emit == dsl::EmitKind::kChanges;
    int64_t limit = st.kind == dsl::Statement::Kind::kSelect ? st.select->query.limit.value_or(-1) : -1;
    printer_.set_max_width(context_.interactive ? TerminalColumns() : 0);
    int status = 0;
    std::string pending, error_body, query_id, stream_error;
    bool have_header = false;
    Schema schema;
    std::vector<std::string> names;
    std::vector<Record> rows;  // a pull query's
    std::vector<JsonValue> json_rows;  // a pull query's, with --output json
    int64_t printed = 0;
    bool limit_reached = false;
    auto last_seen = std::chrono::steady_clock::now();

    auto handle_line = [&](std::string_view line) {
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) return true;
      Result<JsonValue> j = ParseJson(line);
      if (!j.ok()) {
        stream_error = "The server sent a line that is not JSON: " + std::string(line.substr(0, 200));
        return false;
      }
      const JsonValue& v = j.value();
      if (v.is_object() && !have_header && v.Find("columnNames")) {
        have_header = true;
        query_id = StringAt(v, "queryId");
        for (const auto& n : ItemsAt(v, "columnNames")) {
          names.push_back(Cell(n));
          schema.value.push_back(Column{Cell(n), Type::String(), ColumnRole::kValue, ""});
        }
        return true;
      }
      if (v.is_object()) {  // an error in the middle of the stream
        stream_error = ErrorMessage(0, std::string(line));
        return false;
      }
      if (!v.is_array()) return true;
      if (context_.output == OutputFormat::kJson) {
        if (!push) {
          json_rows.push_back(v);
          return true;
        }
        PrintJsonRow(names, v);
      } else {
        Record rec;
        Row cells;
        for (const auto& c : v.items()) cells.push_back(Value::String(Cell(c)));
        rec.value = std::move(cells);
        if (!push) {
          rows.push_back(std::move(rec));
          return true;
        }
        printer_.Print(query_id, schema, rec);
      }
      if (limit >= 0 && ++printed >= limit) {
        limit_reached = true;
        return false;
      }
      return true;
    };
    Result<int> r = client_.Stream(
        "POST", "/query-stream", RequestBody("sql", text), "application/vnd.ksqlapi.delimited.v1",
        [&](int s, const std::string&) { status = s; },
        [&](std::string_view piece) {
          last_seen = std::chrono::steady_clock::now();
          if (status != 200) {
            error_body.append(piece);
            return true;
          }
          pending.append(piece);
          size_t start = 0, nl;
          bool go_on = true;
          while (go_on && (nl = pending.find('\n', start)) != std::string::npos) {
            go_on = handle_line(std::string_view(pending).substr(start, nl - start));
            start = nl + 1;
          }
          pending.erase(0, start);
          return go_on;
        },
        [&]() {
          if (Interrupted()) return true;
          return push && !context_.interactive && limit < 0 &&
                 std::chrono::steady_clock::now() - last_seen > kScriptPushIdle;
        });
    bool interrupted = Interrupted();
    if (context_.interrupted) context_.interrupted->store(false);
    if (!r.ok()) return ShowTransportError(r.status()), false;
    if (status != 200) return ShowServerError(text, status, error_body), false;
    if (status == 200 && !pending.empty() && stream_error.empty()) handle_line(pending);
    if (!stream_error.empty()) {
      std::cout << stream_error << std::endl;
      return false;
    }
    if (!push) {
      size_t n = context_.output == OutputFormat::kJson ? json_rows.size() : rows.size();
      if (limit >= 0 && static_cast<int64_t>(n) > limit) n = static_cast<size_t>(limit);
      if (context_.output == OutputFormat::kJson) {
        for (size_t i = 0; i < n; ++i) PrintJsonRow(names, json_rows[i]);
      } else if (n > 0) {
        rows.resize(n);
        printer_.PrintAll(schema, rows);
      }
      std::cout << n << (n == 1 ? " row\n" : " rows\n");
    } else if (interrupted) {
      std::cout << "Query terminated\n";
    } else if (limit_reached || (limit >= 0 && printed >= limit)) {
      std::cout << "Limit Reached\nQuery terminated\n";
    } else if (context_.interactive) {
      std::cout << "Query terminated\n";  // ended by the server
    }
    std::cout << std::flush;
    return true;
  }

  HttpClient client_;
  ReplContext context_;
  RowPrinter printer_;
  std::map<std::string, std::string> properties_;
};

}  // namespace

Result<std::unique_ptr<ReplBackend>> OpenRemoteBackend(const RemoteOptions& options, const ReplContext& context,
                                                       std::string* banner) {
  ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(options.url));
  std::string authorization;
  if (!options.user.empty()) authorization = "Basic " + text::Base64Encode(options.user + ":" + options.password);
  HttpClient client(url, authorization);
  ASSIGN_OR_RETURN(HttpAnswer info, client.Call("GET", "/info", {}, "application/json", 10000));
  if (info.status == 401)
    return Status::Invalid(options.user.empty()
                               ? fmt::format("{} wants a user and password: --user NAME, the password in EDDY_PASSWORD "
                                             "or typed when asked",
                                             url.ToString())
                               : fmt::format("{} refused user '{}': wrong user name or password", url.ToString(),
                                             options.user));
  if (info.status != 200)
    return Status::Invalid(fmt::format("{} answered /info with {}", url.ToString(), ErrorMessage(info.status, info.body)));
  Result<JsonValue> j = ParseJson(info.body);
  const JsonValue* server = j.ok() && j.value().is_object() ? j.value().Find("KsqlServerInfo") : nullptr;
  if (!server) return Status::Invalid(fmt::format("{} does not answer as a ksqlDB server (/info)", url.ToString()));
  *banner = fmt::format("Connected to {} (ksqlDB API {}, service id {}).", url.ToString(), StringAt(*server, "version"),
                        StringAt(*server, "ksqlServiceId"));
  return std::unique_ptr<ReplBackend>(std::make_unique<RemoteBackend>(std::move(client), context, options.properties));
}

}  // namespace eddy
