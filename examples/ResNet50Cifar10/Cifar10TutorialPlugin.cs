using Kiln.Registry;

// The program's build folder is a plugin folder: `kiln train resnet50_cifar10.py --plugins <it>` registers
// MMResNet50 and Accuracy in this scope (the config's default_scope).
[assembly: KilnPlugin(Kiln.Examples.ResNet50Cifar10.Cifar10TutorialPlugin.ScopeName)]

namespace Kiln.Examples.ResNet50Cifar10;

/// <summary>The tutorial's components as a plugin, scope <c>cifar10_tutorial</c>, for the config-file version.</summary>
public sealed class Cifar10TutorialPlugin : IKilnPlugin
{
    public const string ScopeName = "cifar10_tutorial";

    public string Scope => ScopeName;
}
