using System.Reflection;
using System.Runtime.CompilerServices;

namespace LayerNet.Framework.Tests.Api;

/// <summary>
/// Lists an assembly's public surface, one line a type or member, sorted: what a user of the assembly can name.
/// Types: "Name = public [static|abstract|sealed] class|struct|interface|enum : Base, Interfaces" (so that a type
/// sorts just before its members). Members:
/// "Type: [static] [abstract|virtual|override] ReturnType Name&lt;T&gt;(parameters)", properties with their
/// accessors, fields with const values. Nullable annotations and generic constraints are not shown.
/// </summary>
internal static class PublicApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string", [typeof(object)] = "object",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    /// <summary>The sorted lines of <paramref name="assembly"/>'s public surface, without the types of <paramref name="excludedNamespace"/>.</summary>
    public static IReadOnlyList<string> Lines(Assembly assembly, string excludedNamespace)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            if (!IsVisible(type) || type.Namespace == excludedNamespace || (type.Namespace?.StartsWith(excludedNamespace + ".", StringComparison.Ordinal) ?? false))
            {
                continue;
            }

            lines.Add(Declaration(type));
            foreach (var member in type.GetMembers(Declared))
            {
                if (Member(member) is { } line)
                {
                    lines.Add($"{Name(type)}: {line}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static bool IsVisible(Type type) =>
        type.IsPublic || (type.IsNested && (type.IsNestedPublic || type.IsNestedFamily || type.IsNestedFamORAssem) && IsVisible(type.DeclaringType!));

    private static bool IsVisible(MethodBase? method) => method is { IsPublic: true } or { IsFamily: true } or { IsFamilyOrAssembly: true };

    private static string Access(bool isPublic) => isPublic ? "public" : "protected";

    private static string Declaration(Type type)
    {
        var kind = type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : "class";
        var modifiers = type switch
        {
            { IsInterface: true } or { IsValueType: true } => string.Empty,
            { IsAbstract: true, IsSealed: true } => "static ",
            { IsAbstract: true } => "abstract ",
            { IsSealed: true } => "sealed ",
            _ => string.Empty,
        };
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Select(Name).OrderBy(n => n, StringComparer.Ordinal));
        var inheritance = bases.Count == 0 ? string.Empty : " : " + string.Join(", ", bases);
        return $"{Name(type)} = {Access(type.IsPublic || type.IsNestedPublic)} {modifiers}{kind}{inheritance}";
    }

    private static string? Member(MemberInfo member) => member switch
    {
        ConstructorInfo constructor when IsVisible(constructor) && !constructor.IsStatic =>
            $"{Access(constructor.IsPublic)} {Name(constructor.DeclaringType!).Split('.')[^1].Split('<')[0]}({Parameters(constructor)})",
        MethodInfo method when IsVisible(method) && (!method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal)) =>
            $"{Modifiers(method)}{Name(method.ReturnType)} {method.Name}{TypeArguments(method)}({Parameters(method)})",
        PropertyInfo property when IsVisible(property.GetMethod) || IsVisible(property.SetMethod) =>
            $"{Modifiers(property.GetMethod ?? property.SetMethod!)}{Name(property.PropertyType)} {PropertyName(property)} {{ {Accessors(property)} }}",
        FieldInfo field when field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly =>
            field.IsLiteral
                ? $"const {Name(field.FieldType)} {field.Name} = {field.GetRawConstantValue()}"
                : $"{(field.IsStatic ? "static " : string.Empty)}{(field.IsInitOnly ? "readonly " : string.Empty)}{Name(field.FieldType)} {field.Name}",
        EventInfo @event when IsVisible(@event.AddMethod) => $"event {Name(@event.EventHandlerType!)} {@event.Name}",
        _ => null,
    };

    private static string Modifiers(MethodInfo method)
    {
        var access = method.IsPublic ? string.Empty : "protected ";
        if (method.IsStatic)
        {
            return access + "static ";
        }

        if (method.IsAbstract)
        {
            return access + "abstract ";
        }

        if (method.GetBaseDefinition().DeclaringType != method.DeclaringType)
        {
            return access + (method.IsFinal ? "sealed override " : "override ");
        }

        return access + (method.IsVirtual && !method.IsFinal ? "virtual " : string.Empty);
    }

    private static string PropertyName(PropertyInfo property)
    {
        var index = property.GetIndexParameters();
        return index.Length == 0 ? property.Name : $"this[{string.Join(", ", index.Select(p => $"{Name(p.ParameterType)} {p.Name}"))}]";
    }

    private static string Accessors(PropertyInfo property)
    {
        var accessors = new List<string>();
        if (IsVisible(property.GetMethod))
        {
            accessors.Add(property.GetMethod!.IsPublic ? "get;" : "protected get;");
        }

        if (IsVisible(property.SetMethod))
        {
            var init = property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            accessors.Add((property.SetMethod.IsPublic ? string.Empty : "protected ") + (init ? "init;" : "set;"));
        }

        return string.Join(" ", accessors);
    }

    private static string TypeArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : string.Empty;

    private static string Parameters(MethodBase method)
    {
        var extension = method.IsDefined(typeof(ExtensionAttribute), inherit: false);
        return string.Join(", ", method.GetParameters().Select((p, i) => Parameter(p, extension && i == 0)));
    }

    private static string Parameter(ParameterInfo parameter, bool isThis)
    {
        var type = parameter.ParameterType;
        var prefix = isThis ? "this " : parameter.IsDefined(typeof(ParamArrayAttribute), inherit: false) ? "params " : string.Empty;
        if (type.IsByRef)
        {
            prefix += parameter.IsOut ? "out " : parameter.IsIn ? "in " : "ref ";
            type = type.GetElementType()!;
        }

        var defaultValue = parameter.HasDefaultValue ? $" = {parameter.DefaultValue ?? "null"}" : string.Empty;
        return $"{prefix}{Name(type)} {parameter.Name}{defaultValue}";
    }

    private static string Name(Type type)
    {
        if (Keywords.TryGetValue(type, out var keyword))
        {
            return keyword;
        }

        if (type.IsByRef)
        {
            return "ref " + Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return $"{Name(type.GetElementType()!)}[{new string(',', type.GetArrayRank() - 1)}]";
        }

        if (type.IsPointer)
        {
            return Name(type.GetElementType()!) + "*";
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        var name = type.IsNested ? $"{Name(type.DeclaringType!)}.{type.Name}" : $"{type.Namespace}.{type.Name}";
        var tick = name.LastIndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (!type.IsGenericType)
        {
            return name;
        }

        var arguments = type.GetGenericArguments();
        var own = type.IsNested ? arguments.Skip(type.DeclaringType!.GetGenericArguments().Length) : arguments;
        return $"{name}<{string.Join(", ", own.Select(Name))}>";
    }
}
