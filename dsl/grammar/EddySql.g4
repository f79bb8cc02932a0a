// eddy's SQL dialect: the statements and expressions of ksqlDB, written for eddy.
//
// Keywords are case-insensitive because the parser adapter (dsl/parser.cc) feeds the lexer an
// upper-casing view of the input; token text keeps the original spelling, so string literals and
// quoted identifiers keep their case. Many keywords are usable as identifiers (`nonReserved`):
// ANTLR's adaptive prediction looks as far ahead as needed to tell `FROM x PARTITION BY ...`
// (PARTITION is a keyword) from `FROM x PARTITION` (PARTITION is an alias), so only the words that
// would make a sentence truly ambiguous are reserved (JOIN, LEFT, WHERE, FROM, ...).
//
// The tree is turned into the AST by dsl/ast_builder.cc, which relies on the rule and label names
// below: rename them together.
grammar EddySql;

// ---------------------------------------------------------------------------------------------
// Entry points

// A script: ';'-separated statements, the last ';' optional, empty statements ignored. Written so
// that every decision is LL(1): statement text is never scanned twice to find its end.
script
    : statement? (';' statement?)* EOF
    ;

singleExpression
    : expression EOF
    ;

// ---------------------------------------------------------------------------------------------
// Statements

statement
    : query                                                                   #selectStatement
    | CREATE (OR REPLACE)? SOURCE? (STREAM | TABLE) (IF NOT EXISTS)? sourceName
          tableElements? (WITH tableProperties)? (AS query)?                  #createStatement
    | INSERT INTO sourceName
          ( (WITH tableProperties)? query | columns? VALUES values )          #insertStatement
    | DROP (STREAM | TABLE) (IF EXISTS)? sourceName (DELETE TOPIC)?           #dropStatement
    | SET STRING EQ STRING                                                    #setStatement
    | UNSET STRING                                                            #unsetStatement
    | (SHOW | LIST) ALL? showTarget EXTENDED?                                 #showStatement
    | DESCRIBE (STREAMS | TABLES) EXTENDED?                                   #describeAllStatement
    | DESCRIBE FUNCTION identifier                                            #describeFunctionStatement
    | DESCRIBE EXTENDED sourceName                                            #describeStatement
    | DESCRIBE sourceName EXTENDED?                                           #describeStatement
    | EXPLAIN (statement | identifier)                                        #explainStatement
    | TERMINATE (ALL | identifier)                                            #terminateStatement
    | PRINT resourceName (FROM BEGINNING)? ((INTERVAL | SAMPLE) interval=number)?
          (LIMIT limit=number)?                                               #printStatement
    | RUN SCRIPT STRING                                                       #runScriptStatement
    | ASSERT NULL_? VALUES sourceName columns? (VALUES | KEY) values          #assertValuesStatement
    | ASSERT (STREAM | TABLE) sourceName tableElements? (WITH tableProperties)? #assertSourceStatement
    | CREATE TYPE (IF NOT EXISTS)? identifier AS type                         #createTypeStatement
    | DROP TYPE (IF EXISTS)? identifier                                       #dropTypeStatement
    | ALTER (STREAM | TABLE) sourceName alterOption (',' alterOption)*        #alterStatement
    ;

alterOption
    : ADD COLUMN? identifier type
    ;

showTarget
    : STREAMS | TABLES | QUERIES | TOPICS | FUNCTIONS | PROPERTIES | TYPES
    ;

resourceName
    : identifier
    | STRING
    ;

tableElements
    : '(' tableElement (',' tableElement)* ')'
    ;

tableElement
    : identifier type columnConstraint?
    ;

columnConstraint
    : PRIMARY? KEY
    | HEADERS
    | HEADER '(' STRING ')'
    ;

tableProperties
    : '(' tableProperty (',' tableProperty)* ')'
    ;

tableProperty
    : (identifier | STRING) EQ literal
    ;

columns
    : '(' identifier (',' identifier)* ')'
    ;

values
    : '(' (valueExpression (',' valueExpression)*)? ')'
    ;

// ---------------------------------------------------------------------------------------------
// Queries (clauses in ksqlDB's order)

query
    : SELECT selectItem (',' selectItem)*
      FROM aliasedRelation joinedSource*
      (WINDOW windowExpression)?
      (WHERE where=expression)?
      (GROUP BY groupBy=expressionList)?
      (PARTITION BY partitionBy=expressionList)?
      (HAVING having=expression)?
      (EMIT (CHANGES | FINAL))?
      (LIMIT limit=number)?
    ;

selectItem
    : ASTERISK                                        #selectAll
    | identifier '.' ASTERISK                         #selectQualifiedAll
    | primaryExpression ARROW ASTERISK                #selectStructAll
    | expression (AS? identifier)?                    #selectSingle
    ;

aliasedRelation
    : sourceName (AS? alias=sourceName)?
    ;

joinedSource
    : joinType JOIN aliasedRelation joinWindow? ON expression
    ;

joinType
    : INNER?
    | LEFT OUTER?
    | RIGHT OUTER?
    | FULL OUTER?
    ;

joinWindow
    : WITHIN '(' before=duration ',' after=duration ')' gracePeriod?
    | WITHIN duration gracePeriod?
    ;

windowExpression
    : IDENTIFIER? (tumblingWindow | hoppingWindow | sessionWindow)
    ;

tumblingWindow
    : TUMBLING '(' SIZE duration (',' retention)? (',' gracePeriod)? ')'
    ;

hoppingWindow
    : HOPPING '(' SIZE duration ',' ADVANCE BY advance=duration
          (',' retention)? (',' gracePeriod)? ')'
    ;

sessionWindow
    : SESSION '(' duration (',' retention)? (',' gracePeriod)? ')'
    ;

retention
    : RETENTION duration
    ;

gracePeriod
    : GRACE PERIOD duration
    ;

duration
    : number timeUnit
    ;

timeUnit
    : MILLISECOND | MILLISECONDS | SECOND | SECONDS | MINUTE | MINUTES
    | HOUR | HOURS | DAY | DAYS
    ;

// GROUP BY and PARTITION BY take a list, optionally in parentheses (an empty one is an error
// the builder reports in ksqlDB's words).
expressionList
    : valueExpression (',' valueExpression)*
    | '(' (valueExpression (',' valueExpression)*)? ')'
    ;

// ---------------------------------------------------------------------------------------------
// Expressions, loosest binding first

expression
    : booleanExpression
    ;

booleanExpression
    : predicated                                                    #booleanDefault
    | NOT booleanExpression                                         #logicalNot
    | left=booleanExpression op=AND right=booleanExpression         #logicalBinary
    | left=booleanExpression op=OR right=booleanExpression          #logicalBinary
    ;

predicated
    : valueExpression predicate?
    ;

predicate
    : comparisonOperator right=valueExpression                               #comparison
    | NOT? BETWEEN lower=valueExpression AND upper=valueExpression           #between
    | NOT? IN '(' expression (',' expression)* ')'                           #inList
    | NOT? LIKE pattern=valueExpression (ESCAPE escape=STRING)?              #like
    | IS NOT? NULL_                                                          #nullPredicate
    | IS NOT? DISTINCT FROM right=valueExpression                            #distinctFrom
    ;

valueExpression
    : primaryExpression                                                                #valueDefault
    | op=(MINUS | PLUS) valueExpression                                                #arithmeticUnary
    | left=valueExpression op=(ASTERISK | SLASH | PERCENT) right=valueExpression       #arithmeticBinary
    | left=valueExpression op=(PLUS | MINUS) right=valueExpression                     #arithmeticBinary
    | left=valueExpression CONCAT right=valueExpression                                #concatenation
    ;

// Constructors come before function calls and column references so that `ARRAY[1]` and
// `MAP(...)` mean the constructor, not a column named ARRAY or a function named MAP.
primaryExpression
    : literal                                                                          #literalExpression
    | CASE operand=valueExpression whenClause+ (ELSE elseValue=expression)? END        #simpleCase
    | CASE whenClause+ (ELSE elseValue=expression)? END                                #searchedCase
    | CAST '(' expression AS type ')'                                                  #cast
    | ARRAY '[' (expression (',' expression)*)? ']'                                    #arrayConstructor
    | MAP '(' (mapEntry (',' mapEntry)*)? ')'                                          #mapConstructor
    | STRUCT '(' (structEntry (',' structEntry)*)? ')'                                 #structConstructor
    | identifier '(' ASTERISK ')'                                                      #functionCallStar
    | identifier '(' (functionArgument (',' functionArgument)*)? ')'                   #functionCall
    | base=primaryExpression '[' index=valueExpression ']'                             #subscript
    | base=primaryExpression ARROW field=identifier                                    #dereference
    | qualifier=identifier '.' column=identifier                                       #qualifiedColumnReference
    | identifier                                                                       #columnReference
    | '(' expression ')'                                                               #parenthesized
    ;

mapEntry
    : key=expression ASSIGN value=expression
    ;

structEntry
    : identifier ASSIGN expression
    ;

// A bare time unit is an argument of its own (TIMESTAMPADD(SECONDS, 5, ts)); it is listed first
// so that it wins over a column of the same name.
functionArgument
    : timeUnit
    | lambda
    | expression
    ;

lambda
    : identifier LAMBDA expression
    | '(' identifier (',' identifier)* ')' LAMBDA expression
    ;

whenClause
    : WHEN condition=expression THEN result=expression
    ;

comparisonOperator
    : EQ | NEQ | LT | LTE | GT | GTE
    ;

// ---------------------------------------------------------------------------------------------
// Types: ARRAY<T>, MAP<K, V>, STRUCT<name T, ...>, and named types such as INT or DECIMAL(4, 2),
// which the AST builder resolves.

type
    : ARRAY '<' type '>'                                        #arrayType
    | MAP '<' key=type ',' value=type '>'                       #mapType
    | STRUCT '<' (structField (',' structField)*)? '>'          #structType
    | STRUCT NEQ                                                #structType  // STRUCT<> lexes as STRUCT '<>'
    | identifier ('(' typeParameter (',' typeParameter)* ')')?  #namedType
    ;

structField
    : identifier type
    ;

// ksqlDB accepts and ignores VARCHAR(STRING) or INT(10), and its grammar allows only those.
typeParameter
    : INTEGER_VALUE
    | STRING_TYPE
    ;

// ---------------------------------------------------------------------------------------------
// Names and literals

sourceName
    : identifier
    ;

identifier
    : IDENTIFIER               #unquotedIdentifier
    | nonReserved              #keywordIdentifier
    | QUOTED_IDENTIFIER        #doubleQuotedIdentifier
    | BACKQUOTED_IDENTIFIER    #backQuotedIdentifier
    | DIGIT_IDENTIFIER         #digitIdentifier
    ;

number
    : MINUS? INTEGER_VALUE           #integerLiteral
    | MINUS? DECIMAL_VALUE           #decimalLiteral
    | MINUS? FLOATING_POINT_VALUE    #doubleLiteral
    ;

literal
    : NULL_               #nullLiteral
    | (TRUE | FALSE)      #booleanLiteral
    | number              #numericLiteral
    | STRING              #stringLiteral
    ;

// Keywords that may also name a column, source, alias, function or field.
nonReserved
    : ADD | ADVANCE | ALTER | ARRAY | ASSERT | BEGINNING | CHANGES | COLUMN | COLUMNS | DATE
    | DAY | DAYS | DELETE | DESCRIBE | EMIT | ESCAPE | EXPLAIN | EXTENDED | FINAL | FUNCTION
    | FUNCTIONS | GRACE | HEADER | HEADERS | HOPPING | HOUR | HOURS | IF | INTEGER | INTERVAL
    | KEY | LIST | MAP | MILLISECOND | MILLISECONDS | MINUTE | MINUTES | MONTH | PARTITION
    | PARTITIONS | PERIOD | PRIMARY | PRINT | PROPERTIES | QUERIES | REPLACE | RESET | RETENTION
    | RUN | SAMPLE | SCRIPT | SECOND | SECONDS | SESSION | SET | SHOW | SINK | SIZE | SOURCE
    | STRING_TYPE | STRUCT | TABLES | TERMINATE | TIME | TIMESTAMP | TOPIC | TOPICS | TUMBLING | TYPE | TYPES
    | UNSET | YEAR | ZONE
    ;

// ---------------------------------------------------------------------------------------------
// Lexer. Letters are matched upper-case only: the input stream upper-cases what the lexer sees.

ADD: 'ADD';
ADVANCE: 'ADVANCE';
ALL: 'ALL';
ALTER: 'ALTER';
AND: 'AND';
ARRAY: 'ARRAY';
AS: 'AS';
ASSERT: 'ASSERT';
BEGINNING: 'BEGINNING';
BETWEEN: 'BETWEEN';
BY: 'BY';
CASE: 'CASE';
CAST: 'CAST';
CHANGES: 'CHANGES';
COLUMN: 'COLUMN';
COLUMNS: 'COLUMNS';
CREATE: 'CREATE';
DATE: 'DATE';
DAY: 'DAY';
DAYS: 'DAYS';
DELETE: 'DELETE';
DESCRIBE: 'DESCRIBE';
DISTINCT: 'DISTINCT';
DROP: 'DROP';
ELSE: 'ELSE';
EMIT: 'EMIT';
END: 'END';
ESCAPE: 'ESCAPE';
EXISTS: 'EXISTS';
EXPLAIN: 'EXPLAIN';
EXTENDED: 'EXTENDED';
FALSE: 'FALSE';
FINAL: 'FINAL';
FROM: 'FROM';
FULL: 'FULL';
FUNCTION: 'FUNCTION';
FUNCTIONS: 'FUNCTIONS';
GRACE: 'GRACE';
GROUP: 'GROUP';
HAVING: 'HAVING';
HEADER: 'HEADER';
HEADERS: 'HEADERS';
HOPPING: 'HOPPING';
HOUR: 'HOUR';
HOURS: 'HOURS';
IF: 'IF';
IN: 'IN';
INNER: 'INNER';
INSERT: 'INSERT';
INTEGER: 'INTEGER';
INTERVAL: 'INTERVAL';
INTO: 'INTO';
IS: 'IS';
JOIN: 'JOIN';
KEY: 'KEY';
LEFT: 'LEFT';
LIKE: 'LIKE';
LIMIT: 'LIMIT';
LIST: 'LIST';
MAP: 'MAP';
MILLISECOND: 'MILLISECOND';
MILLISECONDS: 'MILLISECONDS';
MINUTE: 'MINUTE';
MINUTES: 'MINUTES';
MONTH: 'MONTH';
NOT: 'NOT';
// Not NULL: that name is a C macro.
NULL_: 'NULL';
ON: 'ON';
OR: 'OR';
OUTER: 'OUTER';
PARTITION: 'PARTITION';
PARTITIONS: 'PARTITIONS';
PERIOD: 'PERIOD';
PRIMARY: 'PRIMARY';
PRINT: 'PRINT';
PROPERTIES: 'PROPERTIES';
QUERIES: 'QUERIES';
REPLACE: 'REPLACE';
RESET: 'RESET';
RETENTION: 'RETENTION';
RIGHT: 'RIGHT';
RUN: 'RUN';
SAMPLE: 'SAMPLE';
SCRIPT: 'SCRIPT';
SECOND: 'SECOND';
SECONDS: 'SECONDS';
SELECT: 'SELECT';
SESSION: 'SESSION';
SET: 'SET';
SHOW: 'SHOW';
SINK: 'SINK';
SIZE: 'SIZE';
SOURCE: 'SOURCE';
STREAM: 'STREAM';
STREAMS: 'STREAMS';
// The keyword STRING (a type parameter, as in VARCHAR(STRING)); STRING is a string literal.
STRING_TYPE: 'STRING';
STRUCT: 'STRUCT';
TABLE: 'TABLE';
TABLES: 'TABLES';
TERMINATE: 'TERMINATE';
THEN: 'THEN';
TIME: 'TIME';
TIMESTAMP: 'TIMESTAMP';
TOPIC: 'TOPIC';
TOPICS: 'TOPICS';
TRUE: 'TRUE';
TUMBLING: 'TUMBLING';
TYPE: 'TYPE';
TYPES: 'TYPES';
UNSET: 'UNSET';
VALUES: 'VALUES';
WHEN: 'WHEN';
WHERE: 'WHERE';
WINDOW: 'WINDOW';
WITH: 'WITH';
WITHIN: 'WITHIN';
YEAR: 'YEAR';
ZONE: 'ZONE';

EQ: '=';
NEQ: '<>' | '!=';
LT: '<';
LTE: '<=';
GT: '>';
GTE: '>=';
PLUS: '+';
MINUS: '-';
ASTERISK: '*';
SLASH: '/';
PERCENT: '%';
CONCAT: '||';
ASSIGN: ':=';
ARROW: '->';
LAMBDA: '=>';
LPAREN: '(';
COMMA: ',';
RPAREN: ')';
LBRACKET: '[';
RBRACKET: ']';
DOT: '.';
SEMICOLON: ';';

// '' inside a string is one quote; the AST builder unescapes it.
STRING
    : '\'' ( ~'\'' | '\'\'' )* '\''
    ;

INTEGER_VALUE
    : DIGIT+
    ;

DECIMAL_VALUE
    : DIGIT+ '.' DIGIT*
    | '.' DIGIT+
    ;

// Listed before DIGIT_IDENTIFIER so that `1E5` is a number, not a name.
FLOATING_POINT_VALUE
    : DIGIT+ ('.' DIGIT*)? EXPONENT
    | '.' DIGIT+ EXPONENT
    ;

IDENTIFIER
    : (LETTER | '_') (LETTER | DIGIT | '_' | '@')*
    ;

DIGIT_IDENTIFIER
    : DIGIT (LETTER | DIGIT | '_' | '@')+
    ;

QUOTED_IDENTIFIER
    : '"' ( ~'"' | '""' )* '"'
    ;

BACKQUOTED_IDENTIFIER
    : '`' ( ~'`' | '``' )* '`'
    ;

fragment EXPONENT
    : 'E' [+-]? DIGIT+
    ;

fragment DIGIT
    : [0-9]
    ;

fragment LETTER
    : [A-Z]
    ;

SIMPLE_COMMENT
    : '--' ~[\r\n]* -> skip
    ;

BRACKETED_COMMENT
    : '/*' .*? '*/' -> skip
    ;

// U+FEFF: a byte-order mark some editors put at the start of a file.
WS
    : [ \r\n\t\f\uFEFF]+ -> skip
    ;

// Anything else becomes one token the parser rejects with a position, so the lexer itself never
// reports an error (an unterminated string, for example, shows up as an unexpected quote).
UNRECOGNIZED
    : .
    ;
