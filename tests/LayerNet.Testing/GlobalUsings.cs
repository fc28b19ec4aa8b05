// The project file names no NUnit using; the checker and Fixtures assert through NUnit.
global using NUnit.Framework;
