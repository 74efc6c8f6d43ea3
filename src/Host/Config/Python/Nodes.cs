namespace Kiln.Config.Python;

// The syntax tree of the config subset. Every node keeps its line and column so that evaluation errors can
// name the place; the shapes follow Python's own `ast` module so the grammar maps one to one.

internal abstract record Node(int Line, int Col);

internal abstract record Expr(int Line, int Col) : Node(Line, Col);

internal sealed record ConstExpr(object? Value, int Line, int Col) : Expr(Line, Col);

internal sealed record NameExpr(string Name, int Line, int Col) : Expr(Line, Col);

/// <summary>An f-string: literal parts are <see cref="ConstExpr"/>, replacement fields <see cref="FormattedExpr"/>.</summary>
internal sealed record FStringExpr(List<Expr> Parts, int Line, int Col) : Expr(Line, Col);

internal sealed record FormattedExpr(Expr Value, char Conversion, Expr? Spec, int Line, int Col) : Expr(Line, Col);

internal sealed record ListExpr(List<Expr> Items, int Line, int Col) : Expr(Line, Col);

internal sealed record TupleExpr(List<Expr> Items, int Line, int Col) : Expr(Line, Col);

internal sealed record SetExpr(List<Expr> Items, int Line, int Col) : Expr(Line, Col);

/// <summary>A dict display; an entry with a null key is <c>**mapping</c>.</summary>
internal sealed record DictExpr(List<(Expr? Key, Expr Value)> Entries, int Line, int Col) : Expr(Line, Col);

internal sealed record StarredExpr(Expr Value, int Line, int Col) : Expr(Line, Col);

internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Col) : Expr(Line, Col);

internal sealed record UnaryExpr(string Op, Expr Operand, int Line, int Col) : Expr(Line, Col);

internal sealed record BoolExpr(bool IsAnd, Expr Left, Expr Right, int Line, int Col) : Expr(Line, Col);

internal sealed record CompareExpr(Expr First, List<string> Ops, List<Expr> Rest, int Line, int Col) : Expr(Line, Col);

internal sealed record IfExpr(Expr Test, Expr Body, Expr OrElse, int Line, int Col) : Expr(Line, Col);

/// <summary>A call argument: positional (<c>Name</c> null, <c>Star</c> 0), keyword, <c>*args</c> (1) or <c>**kwargs</c> (2).</summary>
internal sealed record Argument(string? Name, Expr Value, int Star);

internal sealed record CallExpr(Expr Func, List<Argument> Args, int Line, int Col) : Expr(Line, Col);

internal sealed record AttributeExpr(Expr Target, string Name, int Line, int Col) : Expr(Line, Col);

internal sealed record SubscriptExpr(Expr Target, Expr Index, int Line, int Col) : Expr(Line, Col);

internal sealed record SliceExpr(Expr? Lower, Expr? Upper, Expr? Step, int Line, int Col) : Expr(Line, Col);

internal sealed record Comprehension(Expr Target, Expr Iter, List<Expr> Ifs);

/// <summary>List, set and generator comprehensions (a generator is evaluated eagerly into a list).</summary>
internal sealed record CompExpr(char Kind, Expr Element, List<Comprehension> Generators, int Line, int Col) : Expr(Line, Col);

internal sealed record DictCompExpr(Expr Key, Expr Value, List<Comprehension> Generators, int Line, int Col) : Expr(Line, Col);

internal abstract record Stmt(int Line, int Col) : Node(Line, Col);

internal sealed record ExprStmt(Expr Value, int Line, int Col) : Stmt(Line, Col);

/// <summary><c>a = b = value</c>: every target gets the one value.</summary>
internal sealed record AssignStmt(List<Expr> Targets, Expr Value, int Line, int Col) : Stmt(Line, Col);

internal sealed record AugAssignStmt(Expr Target, string Op, Expr Value, int Line, int Col) : Stmt(Line, Col);

internal sealed record IfStmt(Expr Test, List<Stmt> Body, List<Stmt> OrElse, int Line, int Col) : Stmt(Line, Col);

internal sealed record ForStmt(Expr Target, Expr Iter, List<Stmt> Body, List<Stmt> OrElse, int Line, int Col) : Stmt(Line, Col);

internal sealed record WhileStmt(Expr Test, List<Stmt> Body, List<Stmt> OrElse, int Line, int Col) : Stmt(Line, Col);

internal sealed record DelStmt(List<Expr> Targets, int Line, int Col) : Stmt(Line, Col);

internal sealed record AssertStmt(Expr Test, Expr? Message, int Line, int Col) : Stmt(Line, Col);

/// <summary><c>pass</c>, <c>break</c> or <c>continue</c>.</summary>
internal sealed record KeywordStmt(string Keyword, int Line, int Col) : Stmt(Line, Col);
