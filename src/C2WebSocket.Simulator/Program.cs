// placeholder, replaced by the simulator implementation
System.Console.WriteLine("C2 simulator");
