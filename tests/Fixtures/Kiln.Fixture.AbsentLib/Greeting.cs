namespace Kiln.Fixture.AbsentLib;

/// <summary>A type from the library that is missing at run time.</summary>
public static class Greeting
{
    public static string Text => "hello from a library that is not deployed";
}
